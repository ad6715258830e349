//! [`Cities`]: what the deployment knows of each city it serves beyond its code — its name
//! and the data files in which it differs from the deployment's defaults — read from the
//! operator's `--cities` file.
//!
//! ```toml
//! [[city]]
//! code = "102016"            # 全国地方公共団体コード, with its check digit
//! name = "前橋市"
//! # The layout of the 転出証明書 QR codes this city's counters read (relative to this file);
//! # without it, the deployment's (--transfer-certificate-layout, else the built-in one).
//! transfer_certificate_layout = "maebashi/transfer_certificate.toml"
//! # The layout of the 住基 files its core system writes, and the export map of the forms
//! # its core system takes; without them, the deployment's (--resident-layout, --export-map).
//! resident_layout = "maebashi/resident_layout.toml"
//! export_map = "maebashi/export_map.toml"
//! # Its own forms (the shape of shared-model/catalog/forms.toml; the items are the national
//! # ones every city shares) and 手続きナビ rules (shape of catalog/navi.toml); without them,
//! # the built-in ones. The rules must name only forms the city has, and lead to every one.
//! forms = "maebashi/forms.toml"
//! navi = "maebashi/navi.toml"
//! ```
//!
//! Each city listed has its own exchange with its own core system over the deployment's
//! bucket: its object keys start with its code (`102016/inbound/juki/…`); those of the
//! deployment's first city are as configured.
//!
//! Every file is read and checked at start: a city listed twice, a code with a wrong check
//! digit or a file that does not read stops the server with the file and the fault named.

use std::collections::HashMap;
use std::path::Path;

use shared_model::catalog::{CatalogFiles, CityCatalog};
use shared_model::tenant::LocalGovernmentCode;

/// The cities of a deployment, by code. Empty: every city uses the deployment's defaults.
#[derive(Debug, Clone, Default)]
pub struct Cities {
    by_code: HashMap<LocalGovernmentCode, City>,
}

/// One city as the `--cities` file describes it.
#[derive(Debug, Clone)]
pub struct City {
    /// Its 全国地方公共団体コード.
    pub code: LocalGovernmentCode,
    /// Its name (「前橋市」).
    pub name: String,
    /// The 転出証明書 QR layout its terminals read codes with (TOML text), if it has its own.
    pub transfer_certificate_layout: Option<String>,
    /// The layout of its core system's 住基 files, if it has its own.
    pub resident_layout: Option<crate::exchange::layout::ResidentLayout>,
    /// Which of its confirmed forms go to its core system, and how, if it has its own map.
    pub export_map: Option<crate::exchange::export_map::ExportMap>,
    /// Its forms and 手続きナビ rules, if it has its own.
    pub catalog: Option<OwnCatalog>,
}

/// A city's own catalog: the files its terminals are given, and what they read as (made
/// once at start, for the life of the process).
#[derive(Debug, Clone)]
pub struct OwnCatalog {
    /// The files as given (served to its terminals).
    pub files: CatalogFiles,
    /// What they read as.
    pub read: CityCatalog,
}

/// Why a `--cities` file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CitiesError {
    /// The file is not the TOML this module reads.
    #[error("the cities file does not read: {0}")]
    Parse(String),
    /// A city's code is not a 全国地方公共団体コード.
    #[error("city {index} (code {given:?}): {problem}")]
    Code {
        /// The city's place in the file (from 1).
        index: usize,
        /// The code as written.
        given: String,
        /// What is wrong with the code.
        problem: shared_model::tenant::LocalGovernmentCodeError,
    },
    /// The same code twice.
    #[error("city {0} is listed twice")]
    Twice(LocalGovernmentCode),
    /// A file a city names cannot be read (paths are relative to the cities file).
    #[error("city {code}: cannot read {path} (paths are relative to the cities file): {cause}")]
    Read {
        /// The city.
        code: LocalGovernmentCode,
        /// The file, as resolved.
        path: String,
        /// The cause.
        cause: std::io::Error,
    },
    /// A city names a file by an empty path (the key is the second field).
    #[error("city {0}: {1} is empty: name a file or leave the key out")]
    EmptyPath(LocalGovernmentCode, &'static str),
    /// A city's name is empty (titles and prints say it).
    #[error("city {0}: name is empty: give the city's name as its prints say it (「前橋市」)")]
    EmptyName(LocalGovernmentCode),
    /// A file a city names does not read as what it is for.
    #[error("city {code}: {path}: {reason}")]
    Layout {
        /// The city.
        code: LocalGovernmentCode,
        /// The file.
        path: String,
        /// What is wrong in it.
        reason: String,
    },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    city: Vec<Entry>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    code: String,
    name: String,
    #[serde(default)]
    transfer_certificate_layout: Option<String>,
    #[serde(default)]
    resident_layout: Option<String>,
    #[serde(default)]
    export_map: Option<String>,
    #[serde(default)]
    forms: Option<String>,
    #[serde(default)]
    navi: Option<String>,
}

/// Reads the file a city names under `key` (relative to `dir`) and makes it into what it is
/// for with `read`; `None` when the city does not name one.
fn city_file<T>(
    code: LocalGovernmentCode,
    dir: &Path,
    (key, relative): (&'static str, Option<String>),
    read: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, CitiesError> {
    let Some(relative) = relative else {
        return Ok(None);
    };
    if relative.trim().is_empty() {
        return Err(CitiesError::EmptyPath(code, key));
    }
    let path = dir.join(&relative);
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|cause| CitiesError::Read {
        code,
        path: shown.clone(),
        cause,
    })?;
    read(&text).map(Some).map_err(|reason| CitiesError::Layout {
        code,
        path: shown,
        reason,
    })
}

impl Cities {
    /// Reads a cities file's `text`; the files it names are relative to `dir` (the file's
    /// folder), read and checked now.
    ///
    /// # Errors
    /// [`CitiesError`] naming the city and the fault.
    pub fn from_toml(text: &str, dir: &Path) -> Result<Self, CitiesError> {
        let file: File = toml::from_str(text).map_err(|e| CitiesError::Parse(e.to_string()))?;
        let mut by_code = HashMap::new();
        for (i, entry) in file.city.into_iter().enumerate() {
            let code: LocalGovernmentCode =
                entry.code.parse().map_err(|problem| CitiesError::Code {
                    index: i + 1,
                    given: entry.code.clone(),
                    problem,
                })?;
            if entry.name.trim().is_empty() {
                return Err(CitiesError::EmptyName(code));
            }
            let transfer_certificate_layout = city_file(
                code,
                dir,
                (
                    "transfer_certificate_layout",
                    entry.transfer_certificate_layout,
                ),
                |text| {
                    device_webusb::transfer_certificate::layout::Layout::parse(text)
                        .map(|_| text.to_owned())
                        .map_err(|e| e.to_string())
                },
            )?;
            let resident_layout = city_file(
                code,
                dir,
                ("resident_layout", entry.resident_layout),
                |text| {
                    crate::exchange::layout::ResidentLayout::from_toml(text)
                        .map_err(|e| e.to_string())
                },
            )?;
            let forms = city_file(code, dir, ("forms", entry.forms.clone()), |text| {
                Ok(text.to_owned())
            })?;
            let navi = city_file(code, dir, ("navi", entry.navi.clone()), |text| {
                Ok(text.to_owned())
            })?;
            let catalog = match (forms, navi) {
                (None, None) => None,
                (forms, navi) => {
                    // A fault is named after the file it is in: the forms first, then the
                    // rules read against them.
                    let shown = |key: &Option<String>, builtin: &str| {
                        key.as_deref().map_or(builtin.to_owned(), |relative| {
                            dir.join(relative).display().to_string()
                        })
                    };
                    let builtin = CatalogFiles::builtin();
                    let files = CatalogFiles {
                        forms: forms.unwrap_or(builtin.forms),
                        navi: navi.unwrap_or(builtin.navi),
                    };
                    shared_model::catalog::Catalog::with_forms(&files.forms).map_err(|e| {
                        CitiesError::Layout {
                            code,
                            path: shown(&entry.forms, "the built-in forms"),
                            reason: e.to_string(),
                        }
                    })?;
                    // Once per city for the life of the process.
                    let read = CityCatalog::leak(&files).map_err(|e| CitiesError::Layout {
                        code,
                        path: shown(&entry.navi, "the built-in 手続きナビ rules"),
                        reason: format!(
                            "{e} (the rules are read against the city's forms; give the city \
                             navi rules that fit them)"
                        ),
                    })?;
                    Some(OwnCatalog { files, read })
                }
            };
            let forms_of = catalog
                .as_ref()
                .map_or(shared_model::catalog::Catalog::builtin(), |c| {
                    c.read.catalog
                });
            let export_map = city_file(code, dir, ("export_map", entry.export_map), |text| {
                crate::exchange::export_map::ExportMap::from_toml_for(text, forms_of)
                    .map_err(|e| e.to_string())
            })?;
            let city = City {
                code,
                name: entry.name,
                transfer_certificate_layout,
                resident_layout,
                export_map,
                catalog,
            };
            if by_code.insert(code, city).is_some() {
                return Err(CitiesError::Twice(code));
            }
        }
        Ok(Cities { by_code })
    }

    /// The city with this code, if the file describes it.
    pub fn get(&self, code: LocalGovernmentCode) -> Option<&City> {
        self.by_code.get(&code)
    }

    /// Every city the file describes, by code.
    pub fn iter(&self) -> impl Iterator<Item = &City> {
        let mut cities: Vec<&City> = self.by_code.values().collect();
        cities.sort_by_key(|c| c.code);
        cities.into_iter()
    }

    /// The name of the city `code` (「前橋市」) as the cities file gives it; Takasaki's is
    /// known without one; another city's unnamed is its code.
    pub fn name_of(&self, code: LocalGovernmentCode) -> String {
        match self.get(code) {
            Some(city) => city.name.clone(),
            None if code == shared_model::tenant::TAKASAKI => {
                shared_model::tenant::TAKASAKI_NAME.to_owned()
            }
            None => code.to_string(),
        }
    }

    /// The forms and 手続きナビ rules of the city `code`: its own, else the built-in ones.
    pub fn catalog(&self, code: LocalGovernmentCode) -> CityCatalog {
        self.get(code)
            .and_then(|c| c.catalog.as_ref())
            .map_or_else(CityCatalog::builtin, |c| c.read)
    }

    /// The catalog files the terminals of the city `code` are given.
    pub fn catalog_files(&self, code: LocalGovernmentCode) -> CatalogFiles {
        self.get(code)
            .and_then(|c| c.catalog.as_ref())
            .map_or_else(CatalogFiles::builtin, |c| c.files.clone())
    }

    /// The 転出証明書 QR layout of the city `code` (TOML text), if it has its own.
    pub fn transfer_certificate_layout(&self, code: LocalGovernmentCode) -> Option<&str> {
        self.get(code)?.transfer_certificate_layout.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAYOUT: &str = include_str!("../../device-webusb/transfer_certificate.toml");

    #[test]
    fn a_city_with_its_own_layout_and_one_without() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("maebashi")).unwrap();
        let own = LAYOUT.replace("\r\n", "\n");
        std::fs::write(dir.path().join("maebashi/tc.toml"), &own).unwrap();
        let cities = Cities::from_toml(
            r#"
            [[city]]
            code = "102016"
            name = "前橋市"
            transfer_certificate_layout = "maebashi/tc.toml"

            [[city]]
            code = "１０２０２４"
            name = "高崎市"
            "#,
            dir.path(),
        )
        .unwrap();
        let maebashi = "102016".parse().unwrap();
        assert_eq!(cities.get(maebashi).unwrap().name, "前橋市");
        assert_eq!(
            cities.transfer_certificate_layout(maebashi),
            Some(own.as_str())
        );
        let takasaki = shared_model::tenant::TAKASAKI;
        assert_eq!(cities.get(takasaki).unwrap().name, "高崎市");
        assert_eq!(cities.transfer_certificate_layout(takasaki), None);
        assert_eq!(
            cities.transfer_certificate_layout("131016".parse().unwrap()),
            None
        );
    }

    #[test]
    fn faults_name_the_city_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let read = |text: &str| Cities::from_toml(text, dir.path()).unwrap_err().to_string();
        let wrong = read("[[city]]\ncode = \"102017\"\nname = \"x\"");
        assert!(
            wrong.contains("検査数字") && wrong.contains("102017"),
            "{wrong}"
        );
        let empty = "[[city]]\ncode = \"102016\"\nname = \"x\"\ntransfer_certificate_layout = \"\"";
        assert!(read(empty).contains("transfer_certificate_layout is empty"));
        assert!(
            read("[[city]]\ncode = \"102016\"\nname = \"x\"\nnickname = \"y\"")
                .contains("nickname")
        );
        let twice =
            "[[city]]\ncode = \"102016\"\nname = \"a\"\n[[city]]\ncode = \"102016\"\nname = \"b\"";
        assert_eq!(read(twice), "city 102016 is listed twice");
        let missing = read(
            "[[city]]\ncode = \"102016\"\nname = \"a\"\ntransfer_certificate_layout = \"none.toml\"",
        );
        assert!(
            missing.starts_with("city 102016: cannot read") && missing.contains("none.toml"),
            "{missing}"
        );
        std::fs::write(dir.path().join("bad.toml"), "columns = 3").unwrap();
        let bad = read(
            "[[city]]\ncode = \"102016\"\nname = \"a\"\ntransfer_certificate_layout = \"bad.toml\"",
        );
        assert!(
            bad.starts_with("city 102016: ") && bad.contains("bad.toml"),
            "{bad}"
        );
        assert_eq!(
            read("[[city]]\ncode = \"102016\"\nname = \" \""),
            "city 102016: name is empty: give the city's name as its prints say it (「前橋市」)"
        );
        // A fault in the rules is named after the rules' file, not the forms'.
        std::fs::write(
            dir.path().join("forms.toml"),
            shared_model::catalog::Catalog::BUILTIN_FORMS,
        )
        .unwrap();
        std::fs::write(dir.path().join("rules.toml"), "[[rules]]\nid = 3").unwrap();
        let rules = read(
            "[[city]]\ncode = \"102016\"\nname = \"a\"\nforms = \"forms.toml\"\n\
             navi = \"rules.toml\"",
        );
        assert!(
            rules.starts_with("city 102016: ") && rules.contains("rules.toml"),
            "{rules}"
        );
        assert!(!rules.contains("forms.toml"), "{rules}");
        std::fs::write(dir.path().join("forms.toml"), "[[forms]]\nid = 3").unwrap();
        let forms = read("[[city]]\ncode = \"102016\"\nname = \"a\"\nforms = \"forms.toml\"");
        assert!(forms.contains("forms.toml"), "{forms}");
        assert!(
            Cities::from_toml("", dir.path())
                .unwrap()
                .get(shared_model::tenant::TAKASAKI)
                .is_none()
        );
    }
}
