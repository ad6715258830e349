//! Rebinding the export of wasm-bindgen's externref table after `wasm-opt`.
//!
//! wasm-bindgen keeps JavaScript values in a table of `externref`s that it adds beside
//! rustc's function table and exports as `__wbindgen_externrefs`; its JS glue grows and fills
//! that table at start. Binaryen 108 (Debian 12's) writes every table export as table 0 (the
//! writer kept a single-table index; fixed in binaryen 110, WebAssembly/binaryen#4736), so
//! after `wasm-opt` the export names the function table and the page fails at start with
//! "WebAssembly.Table.set(): Argument 1 is invalid for table". [`rebind`] points the export
//! back at the one externref table, in place.

use anyhow::{Context, bail, ensure};

/// The name wasm-bindgen exports its externref table under.
pub const EXTERNREF_TABLE_EXPORT: &str = "__wbindgen_externrefs";

/// The element type byte of an `externref` table.
const EXTERNREF: u8 = 0x6f;

/// Points the table export [`EXTERNREF_TABLE_EXPORT`] of the module `wasm` at the module's
/// only `externref` table. Returns whether a byte changed (`false`: already right, or no such
/// export).
///
/// Errors when the module is malformed, has other than one `externref` table, or the index
/// does not fit the byte binaryen wrote (tables 0–127).
pub fn rebind(wasm: &mut [u8]) -> anyhow::Result<bool> {
    let Some((index_at, table)) = locate(wasm)? else {
        return Ok(false);
    };
    if wasm[index_at] == table {
        return Ok(false);
    }
    wasm[index_at] = table;
    Ok(true)
}

/// Where the export's table index byte is, and the index of the externref table.
fn locate(wasm: &[u8]) -> anyhow::Result<Option<(usize, u8)>> {
    ensure!(
        wasm.get(..8) == Some(b"\0asm\x01\0\0\0".as_slice()),
        "not a WebAssembly 1 module"
    );
    let mut tables: Vec<u8> = Vec::new();
    let mut export_index_at: Option<usize> = None;
    let mut at = 8;
    while at < wasm.len() {
        let id = wasm[at];
        let mut reader = Reader {
            bytes: wasm,
            at: at + 1,
        };
        let size = reader.leb()? as usize;
        let start = reader.at;
        let end = start.checked_add(size).context("section size overflows")?;
        ensure!(end <= wasm.len(), "section {id} runs past the end");
        match id {
            2 => read_imported_tables(&mut reader, &mut tables)?,
            4 => {
                for _ in 0..reader.leb()? {
                    tables.push(reader.byte()?);
                    reader.limits()?;
                }
            }
            7 => {
                for _ in 0..reader.leb()? {
                    let name = reader.name()?;
                    let kind = reader.byte()?;
                    let index_at = reader.at;
                    reader.leb()?;
                    if kind == 1 && name == EXTERNREF_TABLE_EXPORT.as_bytes() {
                        ensure!(
                            reader.at == index_at + 1,
                            "the index of the export {EXTERNREF_TABLE_EXPORT} takes more than a byte"
                        );
                        export_index_at = Some(index_at);
                    }
                }
            }
            _ => {}
        }
        at = end;
    }
    let Some(index_at) = export_index_at else {
        return Ok(None);
    };
    let externref: Vec<usize> = tables
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == EXTERNREF)
        .map(|(i, _)| i)
        .collect();
    let [table] = externref[..] else {
        bail!(
            "{} externref tables; expected one (tables: {tables:02x?})",
            externref.len()
        );
    };
    let table = u8::try_from(table)
        .ok()
        .filter(|t| *t < 0x80)
        .context("the externref table's index takes more than a byte")?;
    Ok(Some((index_at, table)))
}

/// The element types of the tables among the imports (they come first in the index space).
fn read_imported_tables(reader: &mut Reader<'_>, tables: &mut Vec<u8>) -> anyhow::Result<()> {
    for _ in 0..reader.leb()? {
        reader.name()?;
        reader.name()?;
        match reader.byte()? {
            // function: its type
            0 => {
                reader.leb()?;
            }
            1 => {
                tables.push(reader.byte()?);
                reader.limits()?;
            }
            2 => reader.limits()?,
            // global: value type, mutability
            3 => {
                reader.byte()?;
                reader.byte()?;
            }
            // tag: attribute, type
            4 => {
                reader.byte()?;
                reader.leb()?;
            }
            kind => bail!("unknown import kind {kind}"),
        }
    }
    Ok(())
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> anyhow::Result<u8> {
        let b = *self
            .bytes
            .get(self.at)
            .context("the module ends inside a section")?;
        self.at += 1;
        Ok(b)
    }

    fn leb(&mut self) -> anyhow::Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(value);
            }
        }
        bail!("an integer longer than 64 bits")
    }

    fn name(&mut self) -> anyhow::Result<&'a [u8]> {
        let len = self.leb()? as usize;
        let start = self.at;
        self.at = start.checked_add(len).context("name length overflows")?;
        self.bytes
            .get(start..self.at)
            .context("a name runs past the end")
    }

    /// Limits of a table or memory: flags, minimum, and the maximum if flag bit 0 says so.
    fn limits(&mut self) -> anyhow::Result<()> {
        let flags = self.byte()?;
        self.leb()?;
        if flags & 1 != 0 {
            self.leb()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCREF: u8 = 0x70;

    /// A module with an imported function, a funcref and an externref table, and the given
    /// table export index.
    fn module(export_index: u8) -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        // type section: one () -> ()
        m.extend([1, 4, 1, 0x60, 0, 0]);
        // import section: "m" "f" func type 0
        m.extend([2, 7, 1, 1, b'm', 1, b'f', 0, 0]);
        // table section: funcref 1..1, externref min 4
        m.extend([4, 8, 2, FUNCREF, 1, 1, 1, EXTERNREF, 0, 4]);
        let name = EXTERNREF_TABLE_EXPORT.as_bytes();
        let mut exports = vec![1, name.len() as u8];
        exports.extend(name);
        exports.extend([1, export_index]);
        m.push(7);
        m.push(exports.len() as u8);
        m.extend(exports);
        m
    }

    #[test]
    fn the_export_binaryen_108_wrote_as_table_0_points_at_the_externref_table() {
        let mut wasm = module(0);
        assert!(rebind(&mut wasm).unwrap());
        assert_eq!(wasm, module(1));
        assert!(!rebind(&mut wasm).unwrap(), "a second pass changes nothing");
    }

    #[test]
    fn a_module_without_the_export_is_left_alone() {
        let mut wasm = module(0);
        let renamed = wasm.len() - 3;
        wasm[renamed] = b'X';
        let before = wasm.clone();
        assert!(!rebind(&mut wasm).unwrap());
        assert_eq!(wasm, before);
    }

    #[test]
    fn a_truncated_module_is_refused() {
        let wasm = module(0);
        let mut cut = wasm[..wasm.len() - 4].to_vec();
        assert!(rebind(&mut cut).is_err());
    }
}
