//! [`CityFiles`]: where each city's exchange with its core system lives in the deployment's
//! bucket — the first city's files under the configured prefixes, each city `--cities` lists
//! under its code — and the layout and export map each city's files are read and written
//! with. No city's prefixes may reach another city's files.

use shared_model::tenant::LocalGovernmentCode;

use super::export_map::ExportMap;
use super::layout::ResidentLayout;
use crate::ExchangeConfig;
use crate::cities;

/// Why the cities' files cannot be placed.
#[derive(Debug, thiserror::Error)]
pub enum CityFilesError {
    /// A city has forms of its own and the deployment's export map names what they lack.
    #[error(
        "city {city}: the deployment's export map does not fit its forms: {cause} (give the \
         city an export_map of its own)"
    )]
    MapDoesNotFit {
        /// The city.
        city: LocalGovernmentCode,
        /// What the map names that the forms lack.
        cause: super::export_map::ExportMapError,
    },
    /// One of the first city's prefixes lies in a listed city's folder.
    #[error(
        "the first city's {kind} prefix {prefix:?} is inside {folder:?}, the folder of city \
         {city} (a city listed in --cities has its files under its code): give the first city \
         prefixes outside it"
    )]
    InsideFolder {
        /// inbound, outbound or results.
        kind: &'static str,
        /// The prefix.
        prefix: String,
        /// The listed city's folder.
        folder: String,
        /// The listed city.
        city: LocalGovernmentCode,
    },
    /// A prefix of one city is the start of another city's.
    #[error(
        "the {kind} prefix {mine:?} of city {city} and the {their_kind} prefix {theirs:?} of \
         city {other} overlap, so one city would read or write the other's files (a city \
         listed in --cities has the configured prefixes under its code); give the first city \
         prefixes that are neither empty nor the start of another city's"
    )]
    Overlap {
        /// The kind of the first prefix.
        kind: &'static str,
        /// The first prefix.
        mine: String,
        /// Its city.
        city: LocalGovernmentCode,
        /// The kind of the other.
        their_kind: &'static str,
        /// The other prefix.
        theirs: String,
        /// Its city.
        other: LocalGovernmentCode,
    },
}

/// Where one city's files are in the bucket, and how they are laid out.
#[derive(Debug, Clone)]
pub(crate) struct CityFiles {
    /// The city.
    pub(crate) tenant: LocalGovernmentCode,
    /// Where its core system writes its 住基 files.
    pub(crate) inbound_prefix: String,
    /// Where its batches go.
    pub(crate) outbound_prefix: String,
    /// Where its core system answers them.
    pub(crate) results_prefix: String,
    /// How its 住基 files are laid out.
    pub(crate) resident_layout: ResidentLayout,
    /// Which of its confirmed forms go out, and how.
    pub(crate) export_map: ExportMap,
}

impl CityFiles {
    /// Every city's files: the first city's under the configured prefixes, each other city
    /// `cities` lists under its code (`102016/inbound/juki/`), with its own layout and map
    /// where it has them.
    pub(crate) fn of(
        exchange: &ExchangeConfig,
        first: LocalGovernmentCode,
        cities: &cities::Cities,
    ) -> Result<Vec<CityFiles>, CityFilesError> {
        let own = |code| cities.get(code);
        // A city with forms of its own and the deployment's map: the map read against them.
        let map_of = |city: Option<&cities::City>| -> Result<_, CityFilesError> {
            Ok(match city {
                Some(cities::City {
                    export_map: Some(map),
                    ..
                }) => map.clone(),
                Some(c) if c.catalog.is_some() => exchange
                    .export_map
                    .for_catalog(cities.catalog(c.code).catalog)
                    .map_err(|cause| CityFilesError::MapDoesNotFit {
                        city: c.code,
                        cause,
                    })?,
                _ => exchange.export_map.clone(),
            })
        };
        let mut all = vec![CityFiles {
            tenant: first,
            inbound_prefix: exchange.inbound_prefix.clone(),
            outbound_prefix: exchange.outbound_prefix.clone(),
            results_prefix: exchange.results_prefix.clone(),
            resident_layout: own(first)
                .and_then(|c| c.resident_layout.clone())
                .unwrap_or_else(|| exchange.resident_layout.clone()),
            export_map: map_of(own(first))?,
        }];
        for city in cities.iter().filter(|c| c.code != first) {
            let under = |prefix: &str| format!("{}/{prefix}", city.code);
            all.push(CityFiles {
                tenant: city.code,
                inbound_prefix: under(&exchange.inbound_prefix),
                outbound_prefix: under(&exchange.outbound_prefix),
                results_prefix: under(&exchange.results_prefix),
                resident_layout: city
                    .resident_layout
                    .clone()
                    .unwrap_or_else(|| exchange.resident_layout.clone()),
                export_map: map_of(Some(city))?,
            });
        }
        // One city's listing must never see another's files: no prefix of one city may be
        // the start of another city's, and the first city's stay out of every listed city's
        // folder (its code).
        let prefixes = |c: &CityFiles| {
            [
                ("inbound", c.inbound_prefix.clone()),
                ("outbound", c.outbound_prefix.clone()),
                ("results", c.results_prefix.clone()),
            ]
        };
        for a in &all {
            for b in all.iter().filter(|b| b.tenant != a.tenant) {
                for (kind, mine) in prefixes(a) {
                    let folder = format!("{}/", b.tenant);
                    if a.tenant == first && mine.starts_with(&folder) {
                        return Err(CityFilesError::InsideFolder {
                            kind,
                            prefix: mine,
                            folder,
                            city: b.tenant,
                        });
                    }
                    for (their_kind, theirs) in prefixes(b) {
                        if theirs.starts_with(mine.as_str()) || mine.starts_with(theirs.as_str()) {
                            return Err(CityFilesError::Overlap {
                                kind,
                                mine,
                                city: a.tenant,
                                their_kind,
                                theirs,
                                other: b.tenant,
                            });
                        }
                    }
                }
            }
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::BucketBackend;
    use shared_model::tenant::TAKASAKI;

    /// Each city's files stay in its own part of the bucket: the first city's prefixes may
    /// not lie in a listed city's folder nor be the start of its prefixes (an empty one is),
    /// and each listed city's are its code and the configured ones.
    #[test]
    fn no_city_reads_or_writes_another_citys_files() {
        let dir = tempfile::tempdir().unwrap();
        let cities =
            cities::Cities::from_toml("[[city]]\ncode = \"102016\"\nname = \"前橋市\"", dir.path())
                .unwrap();
        let config = |change: fn(&mut ExchangeConfig)| {
            let mut config = ExchangeConfig::new(BucketBackend::Folder(dir.path().into()));
            change(&mut config);
            config
        };
        let files = CityFiles::of(&config(|_| {}), TAKASAKI, &cities).unwrap();
        let maebashi = files.iter().find(|f| f.tenant != TAKASAKI).unwrap();
        assert_eq!(
            (
                maebashi.inbound_prefix.as_str(),
                maebashi.outbound_prefix.as_str(),
                maebashi.results_prefix.as_str()
            ),
            (
                "102016/inbound/juki/",
                "102016/outbound/",
                "102016/inbound/results/"
            )
        );
        for (what, change) in [
            (
                "inside \"102016/\"",
                (|c: &mut ExchangeConfig| c.inbound_prefix = "102016/inbound/juki/".into())
                    as fn(&mut ExchangeConfig),
            ),
            ("inside \"102016/\"", |c| {
                c.results_prefix = "102016/inbound/results/".into()
            }),
            ("inside \"102016/\"", |c| {
                c.outbound_prefix = "102016/x/".into()
            }),
            ("overlap", |c| c.outbound_prefix = String::new()),
            ("overlap", |c| c.inbound_prefix = "1".into()),
        ] {
            let refused = CityFiles::of(&config(change), TAKASAKI, &cities)
                .unwrap_err()
                .to_string();
            assert!(refused.contains(what), "{refused}");
        }
        // The first city's files under its own code are its own business.
        let own = |c: &mut ExchangeConfig| {
            c.inbound_prefix = "102024/inbound/juki/".into();
            c.outbound_prefix = "102024/outbound/".into();
            c.results_prefix = "102024/inbound/results/".into();
        };
        assert!(CityFiles::of(&config(own), TAKASAKI, &cities).is_ok());
        // One city alone may write its batches where it likes.
        let alone = cities::Cities::default();
        assert!(
            CityFiles::of(
                &config(|c| c.outbound_prefix = String::new()),
                TAKASAKI,
                &alone
            )
            .is_ok()
        );
    }
}
