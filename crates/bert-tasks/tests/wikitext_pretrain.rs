//! The pre-training text pipeline on the real WikiText-2 valid + test files (train is not in
//! /work/shared: see its PROVENANCE.md). Ignored: CI has no /work/shared. Run with
//!
//! ```text
//! cargo test --release -p bert-tasks --test wikitext_pretrain -- --ignored --nocapture
//! ```
//!
//! Prints the vocabulary size, training time and coverage, in-sample (trained on valid + test)
//! and held out (trained on valid, measured on test), then the NSP/MLM figures. The trained
//! tokenizer is saved to `$TMPDIR/bert_tasks_wikitext_tokenizer/` (`tokenizer.json`,
//! `vocab.txt`) for checking in Python.

use std::path::{Path, PathBuf};
use std::time::Instant;

use bert_tasks::{
    BertTokenizer, MlmOptions, NspOptions, SplitMix64, WordPieceTrainOptions, build_nsp_instances,
    mask_tokens, read_wikitext_documents, tokenize_documents, train_wordpiece, vocab_coverage,
    vocab_txt, wikitext_training_lines,
};

const DATA: &str = "/work/shared/data/wikitext2";

fn file(name: &str) -> PathBuf {
    Path::new(DATA).join(name)
}

fn lines(name: &str) -> Vec<String> {
    let path = file(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    wikitext_training_lines(&text)
}

#[test]
#[ignore = "needs /work/shared/data/wikitext2"]
fn wordpiece_on_wikitext2() {
    let opts = WordPieceTrainOptions::default();
    let files = [file("wiki.valid.tokens"), file("wiki.test.tokens")];
    let start = Instant::now();
    let tok = train_wordpiece(&files, &opts).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let all: Vec<String> = [lines("wiki.valid.tokens"), lines("wiki.test.tokens")].concat();
    let cov = vocab_coverage(&tok, &all).unwrap();
    println!("valid+test: trained in {secs:.2} s; in-sample {cov:?}");
    assert!(cov.vocab_size > 1000 && cov.vocab_size <= opts.vocab_size);
    assert!(cov.unk_rate < 0.01, "{cov:?}");

    // Not bit-reproducible (tokenizers#1794: `##` piece ids follow hash-map order and break
    // ties between merges), but two runs must agree on nearly all of the vocabulary.
    let again = train_wordpiece(&files, &opts).unwrap().get_vocab(true);
    let first = tok.get_vocab(true);
    let shared = first.keys().filter(|t| again.contains_key(*t)).count();
    println!(
        "second run: {} tokens, {shared} shared with the first ({} ids equal)",
        again.len(),
        first
            .iter()
            .filter(|(t, i)| again.get(*t) == Some(i))
            .count()
    );
    assert!(shared as f64 > 0.99 * first.len() as f64);

    let start = Instant::now();
    let held = train_wordpiece(&files[..1], &opts).unwrap();
    let secs = start.elapsed().as_secs_f64();
    let cov = vocab_coverage(&held, &lines("wiki.test.tokens")).unwrap();
    println!("valid only: trained in {secs:.2} s; on test {cov:?}");

    let out = std::env::temp_dir().join("bert_tasks_wikitext_tokenizer");
    std::fs::create_dir_all(&out).unwrap();
    tok.save(out.join("tokenizer.json"), true).unwrap();
    std::fs::write(out.join("vocab.txt"), vocab_txt(&tok).unwrap()).unwrap();
    println!("saved to {}", out.display());

    // Documents -> NSP pairs -> MLM masks, with the trained tokenizer as the loader reads it.
    let bert = BertTokenizer::from_dir(&out).unwrap();
    let text = "Héllo Wörld! The battleship's 1,000.5 km-long route.";
    let enc = bert
        .encode(text, Some("It was named Robert [UNK] in 1933."), 128)
        .unwrap();
    println!("ids {:?}\ntypes {:?}", enc.ids, enc.type_ids);
    let mut docs = Vec::new();
    for f in &files {
        docs.extend(read_wikitext_documents(
            &std::fs::read_to_string(f).unwrap(),
        ));
    }
    let sentences: usize = docs.iter().map(|d| d.sentences.len()).sum();
    let start = Instant::now();
    let tokenized = tokenize_documents(&bert, &docs).unwrap();
    let mut rng = SplitMix64::new(42);
    let nsp = NspOptions::new(bert.cls_id(), bert.sep_id());
    let instances = build_nsp_instances(&tokenized, &nsp, &mut rng).unwrap();
    let mlm = MlmOptions::for_tokenizer(&bert).unwrap();
    let mut selected = 0usize;
    for inst in &instances {
        let special = mlm.special_tokens_mask(&inst.input_ids);
        let (_, labels) = mask_tokens(&inst.input_ids, &special, &mlm, &mut rng).unwrap();
        selected += labels.iter().filter(|&&l| l >= 0).count();
    }
    let secs = start.elapsed().as_secs_f64();
    let tokens: usize = instances.iter().map(|i| i.input_ids.len()).sum();
    let random = instances
        .iter()
        .filter(|i| i.next_sentence_label == 1)
        .count();
    println!(
        "{} documents, {sentences} sentences -> {} NSP pairs ({:.1}% random next, mean length \
         {:.1}), {:.1}% of tokens selected for MLM; tokenize+pairs+masks {secs:.2} s",
        docs.len(),
        instances.len(),
        100.0 * random as f64 / instances.len() as f64,
        tokens as f64 / instances.len() as f64,
        100.0 * selected as f64 / tokens as f64,
    );
    // WikiText-2 has 60 validation and 60 test articles (Merity et al. 2016).
    assert_eq!(docs.len(), 120);
    assert!(instances.iter().all(|i| i.input_ids.len() <= 128));
}
