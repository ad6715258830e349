//! [`S3Bucket`]: the object storage of the government cloud (OCI's S3 compatibility API) or
//! any S3-compatible server, through aws-sdk-s3 with path-style addressing and static
//! credentials; TLS by rustls with ring.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;

use super::bucket::{Bucket, BucketError, ObjectMeta};

/// Where the bucket is and how to sign in to it.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// Endpoint URL, e.g. `https://<namespace>.compat.objectstorage.ap-tokyo-1.oraclecloud.com`.
    pub endpoint: String,
    /// Region (for OCI the OCI region name, e.g. `ap-tokyo-1`).
    pub region: String,
    /// Bucket name.
    pub bucket: String,
    /// Access key id.
    pub access_key: String,
    /// Secret key.
    pub secret_key: String,
}

/// A bucket on an S3-compatible server.
#[derive(Debug, Clone)]
pub struct S3Bucket {
    client: Client,
    bucket: String,
}

fn failed(key: &str, error: impl std::fmt::Display) -> BucketError {
    BucketError::Io {
        key: key.to_owned(),
        source: std::io::Error::other(error.to_string()),
    }
}

impl S3Bucket {
    /// A client for `config` (no request is made yet).
    pub fn new(config: &S3Config) -> Self {
        let http = aws_smithy_http_client::Builder::new()
            .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
            ))
            .build_https();
        let conf = aws_sdk_s3::Config::builder()
            .behavior_version_latest()
            .endpoint_url(&config.endpoint)
            .force_path_style(true)
            .region(Region::new(config.region.clone()))
            .credentials_provider(Credentials::new(
                &config.access_key,
                &config.secret_key,
                None,
                None,
                "madoguchi-static",
            ))
            .http_client(http)
            .build();
        Self {
            client: Client::from_conf(conf),
            bucket: config.bucket.clone(),
        }
    }

    /// Creates the bucket (for tests and first set-up); an existing bucket is fine.
    pub async fn create(&self) -> Result<(), BucketError> {
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if format!("{e:?}").contains("BucketAlready") => Ok(()),
            Err(e) => Err(failed(
                &self.bucket,
                aws_sdk_s3::error::DisplayErrorContext(e),
            )),
        }
    }
}

impl Bucket for S3Bucket {
    async fn list(&self, prefix: &str) -> Result<Vec<ObjectMeta>, BucketError> {
        let mut out = Vec::new();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|e| failed(prefix, aws_sdk_s3::error::DisplayErrorContext(e)))?;
            for object in page.contents() {
                let key = object.key().unwrap_or_default().to_owned();
                if key
                    .rsplit('/')
                    .next()
                    .is_some_and(|name| name.starts_with('.'))
                {
                    continue;
                }
                let size = object.size().unwrap_or_default().max(0) as u64;
                // Some servers list no ETag; the modification time and size then tell versions apart.
                let etag = match object
                    .e_tag()
                    .map(|t| t.trim_matches('"'))
                    .filter(|t| !t.is_empty())
                {
                    Some(tag) => tag.to_owned(),
                    None => format!(
                        "mtime-{}-{size}",
                        object
                            .last_modified()
                            .map(|t| t.as_nanos())
                            .unwrap_or_default()
                    ),
                };
                out.push(ObjectMeta { etag, size, key });
            }
        }
        out.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(out)
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, BucketError> {
        let object = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                let text = format!("{}", aws_sdk_s3::error::DisplayErrorContext(&e));
                if text.contains("NoSuchKey") {
                    BucketError::NotFound(key.to_owned())
                } else {
                    failed(key, text)
                }
            })?;
        let bytes = object.body.collect().await.map_err(|e| failed(key, e))?;
        Ok(bytes.into_bytes().to_vec())
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), BucketError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| failed(key, aws_sdk_s3::error::DisplayErrorContext(e)))?;
        Ok(())
    }
}
