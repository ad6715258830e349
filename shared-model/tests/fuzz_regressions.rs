//! The fuzz targets' inputs replayed on every `cargo test`: the crashers `cargo xtask fuzz`
//! kept (`tests/fuzz-regressions/<target>/`, one file per input, named as libFuzzer named the
//! artifact) and the checked-in seeds (`fuzz/seeds/<target>/`), each through the target's own
//! entry point (`fuzz/entry_points.rs`), so a kept input runs exactly the code it once broke.

use std::path::{Path, PathBuf};

use shared_model::VisitDoc;

#[path = "../fuzz/entry_points.rs"]
mod entry_points;

/// The files of `dir`, sorted; none if the folder does not exist (no crash kept yet).
fn inputs(dir: &Path) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Vec::new(),
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
                .path()
        })
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs every kept crasher and seed of `target` through `entry`; fails naming each file that
/// panics (the panic message is printed above the failure).
fn replay(target: &str, entry: fn(&[u8])) {
    let dirs = [
        crate_dir().join("tests/fuzz-regressions").join(target),
        crate_dir().join("fuzz/seeds").join(target),
    ];
    let mut failed = Vec::new();
    for file in dirs.iter().flat_map(|dir| inputs(dir)) {
        let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if std::panic::catch_unwind(|| entry(&data)).is_err() {
            failed.push(file.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "the {target} fuzz target panics again on:\n  {}",
        failed.join("\n  ")
    );
}

#[test]
fn visit_load_inputs_do_not_panic() {
    replay("visit_load", entry_points::visit_load);
}

#[test]
fn validators_inputs_do_not_panic() {
    replay("validators", entry_points::validators);
}

#[test]
fn wire_decode_inputs_do_not_panic() {
    replay("wire_decode", entry_points::wire_decode);
}

#[test]
fn card_tlv_inputs_do_not_panic() {
    replay("card_tlv", entry_points::card_tlv);
}

/// The visit seeds are visits this version reads, so the fuzzer starts past the loader's
/// checksum and into the document (if the schema moves on, rewrite them with the test below).
#[test]
fn the_visit_load_seeds_load_as_visits() {
    let seeds = inputs(&crate_dir().join("fuzz/seeds/visit_load"));
    assert!(!seeds.is_empty(), "no visit_load seeds");
    for file in seeds {
        let data = std::fs::read(&file).unwrap();
        if let Err(e) = VisitDoc::load(&data) {
            panic!("{}: {e}", file.display());
        }
    }
}

/// Writes the visit_load seeds: a new visit, the three moves of a peak day filled and sent
/// for confirmation, one of them saved as a snapshot followed by an incremental chunk, and a
/// version-1 visit that loading migrates.
/// `cargo test -p shared-model --test fuzz_regressions -- --ignored`
#[test]
#[ignore = "rewrites the checked-in fuzz seeds"]
fn write_the_visit_load_seeds() {
    use automerge::{AutoCommit, ROOT, ScalarValue, transaction::Transactable};
    use shared_model::DocumentId;
    use shared_model::calendar::CivilDay;
    use shared_model::synthetic::{Move, Population, move_visit};

    let dir = crate_dir().join("fuzz/seeds/visit_load");
    std::fs::create_dir_all(&dir).unwrap();
    let id = |n: u8| DocumentId::from_bytes([n; 16]);
    let now = 1_806_000_000_000;
    let write = |name: &str, bytes: Vec<u8>| std::fs::write(dir.join(name), bytes).unwrap();

    write("new", VisitDoc::new(id(1), "1", now).save());
    let population = Population::generate(1, 5);
    let today = CivilDay::new(2027, 3, 30).unwrap();
    for (n, (name, kind)) in [
        ("move-in", Move::In),
        ("move-out", Move::Out),
        ("move-within", Move::Within),
    ]
    .into_iter()
    .enumerate()
    {
        let resident = &population.residents[n];
        let mut visit = move_visit(id(n as u8 + 2), n as u32 + 2, resident, kind, today, now)
            .expect("a move visit");
        write(name, visit.save());
    }
    let mut visit = VisitDoc::new(id(9), "9", now);
    let mut bytes = visit.save();
    visit
        .set_item("visit.notifier_name", None, "高崎 太郎")
        .unwrap();
    bytes.extend(visit.save_incremental());
    write("snapshot-and-change", bytes);

    let mut v1 = AutoCommit::new();
    v1.put(ROOT, "schema_version", ScalarValue::Uint(1))
        .unwrap();
    v1.put(ROOT, "visit_id", id(10).to_string()).unwrap();
    v1.put(ROOT, "reception_number", "10").unwrap();
    v1.put(ROOT, "created_at", ScalarValue::Timestamp(now))
        .unwrap();
    let applicant = v1
        .put_object(ROOT, "applicant", automerge::ObjType::Map)
        .unwrap();
    v1.put(&applicant, "name", "高崎 花子").unwrap();
    v1.put(&applicant, "kana", "タカサキ ハナコ").unwrap();
    v1.put(&applicant, "birth_date", "1990-05-05").unwrap();
    let forms = v1
        .put_object(ROOT, "forms", automerge::ObjType::Map)
        .unwrap();
    let tenkyo = v1
        .put_object(&forms, "jumin_idou_tenkyo", automerge::ObjType::Map)
        .unwrap();
    v1.put(&tenkyo, "new_address", "高崎市高松町35番地1")
        .unwrap();
    v1.put(&tenkyo, "old_address", "高崎市箕郷町西明屋702番地4")
        .unwrap();
    v1.put(&tenkyo, "moved_on", "2027-03-27").unwrap();
    write("schema-v1", v1.save());
}

/// The `whole-read` seed gets the card_tlv target through the whole APDU flow to a read, so the
/// fuzzer starts from inputs that pass VERIFY, both EF headers and both decoders.
#[test]
fn the_card_tlv_whole_read_seed_reads_a_card() {
    use device_webusb::my_number_card::simulated::{Holder, SimulatedCard};
    use device_webusb::my_number_card::text_ap;

    let data = std::fs::read(crate_dir().join("fuzz/seeds/card_tlv/whole-read")).unwrap();
    let split = usize::from(data[0]);
    let mut card = SimulatedCard::new(&Holder::example(), "1234");
    card.my_number_ef = data[..split].to_vec();
    card.basic_four_ef = data[split..].to_vec();
    let read = text_ap::read(&mut card, "1234").unwrap();
    assert_eq!(read.persons[0]["person.name"], "𠮷田　髙志");
}
