//! Seal and open throughput for 1 MB messages at n = 5, k = 3 (the benchmark),
//! beside ChaCha20-Poly1305 alone on the same bytes (the floor: every byte is encrypted
//! once) in the same run.

use chacha20poly1305::aead::{Aead, KeyInit};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use verity_channel::{PrivateKey, Spread, open, seal};

fn benches(c: &mut Criterion) {
    let sender = PrivateKey::generate("sender.example").expect("key");
    let recipient = PrivateKey::generate("recipient.example").expect("key");
    let spread = Spread {
        conduits: (1..=5).map(|i| format!("conduit-{i}")).collect(),
        k: 3,
        domains: Vec::new(),
    };
    let message: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut g = c.benchmark_group("channel_1MB_n5_k3");
    g.throughput(Throughput::Bytes(message.len() as u64));
    g.sample_size(20);
    g.bench_function("seal", |b| {
        b.iter(|| seal(&sender, &recipient.public(), &spread, &message).expect("seal"))
    });
    let sealed = seal(&sender, &recipient.public(), &spread, &message).expect("seal");
    let three: Vec<(String, Result<verity_channel::Share, String>)> = [0usize, 2, 4]
        .iter()
        .map(|i| (format!("s{i}"), Ok(sealed.shares[*i].clone())))
        .collect();
    g.bench_function("open_from_3_with_2_lost", |b| {
        b.iter(|| {
            let o = open(&recipient, &sender.public(), &three);
            assert!(o.message.is_ok());
        })
    });
    let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&[7u8; 32]).expect("key");
    g.bench_function("reference_chacha20poly1305_only", |b| {
        b.iter(|| {
            cipher
                .encrypt((&[0u8; 12]).into(), message.as_slice())
                .expect("enc")
        })
    });
    g.finish();
}

criterion_group!(channel, benches);
criterion_main!(channel);
