//! Benchmark of the SOCKET handle table alone (bench/driver.py runs it): the cost of a lookup
//! as the table grows from 10 to 100,000 entries, without kernel descriptors, so it reaches
//! sizes the process's open-file limit does not allow with real sockets.
//!
//!   cargo run --release --example handle_table -- 10,100,1000,10000,100000 [lookups]
//!
//! Prints one JSON object per size: ns per lookup of one handle, of a random handle, and
//! per insert+remove pair.
use std::sync::Arc;
use std::time::Instant;

use wstls::net::handles::HandleTable;

/// About the size of a socket object, so random lookups touch memory as real ones do.
struct Payload([u64; 64]);

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let sizes: Vec<usize> = args
        .get(1)
        .map(|s| s.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 100, 1000, 10000, 100000]);
    let lookups: usize = args
        .get(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(2_000_000);
    let table: HandleTable<Payload> = HandleTable::new();
    let mut handles = Vec::new();
    let mut rng = 88172645463325252u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for &n in &sizes {
        while handles.len() < n {
            handles.push(
                table
                    .insert(Arc::new(Payload([0; 64])))
                    .expect("table full"),
            );
        }
        let median = |f: &mut dyn FnMut() -> f64| {
            let mut v: Vec<f64> = (0..5).map(|_| f()).collect();
            v.sort_by(|a, b| a.partial_cmp(b).unwrap());
            v[2]
        };
        let h0 = handles[0];
        let fixed = median(&mut || {
            let t = Instant::now();
            let mut sum = 0u64;
            for _ in 0..lookups {
                sum = sum.wrapping_add(table.get(std::hint::black_box(h0)).unwrap().0[0]);
            }
            std::hint::black_box(sum);
            t.elapsed().as_nanos() as f64 / lookups as f64
        });
        let random = median(&mut || {
            let idx: Vec<usize> = (0..lookups / 4)
                .map(|_| handles[(next() % handles.len() as u64) as usize])
                .collect();
            let t = Instant::now();
            let mut sum = 0u64;
            for &h in &idx {
                sum = sum.wrapping_add(table.get(h).unwrap().0[0]);
            }
            std::hint::black_box(sum);
            t.elapsed().as_nanos() as f64 / idx.len() as f64
        });
        let churn = median(&mut || {
            let t = Instant::now();
            for _ in 0..lookups / 20 {
                let h = table.insert(Arc::new(Payload([0; 64]))).unwrap();
                table.remove(h);
            }
            t.elapsed().as_nanos() as f64 / (lookups / 20) as f64
        });
        // Two threads, each looking up its own handle (two sockets used by two threads).
        let parallel = median(&mut || {
            let (ha, hb) = (handles[0], handles[handles.len() / 2]);
            let per = lookups / 2;
            let t = Instant::now();
            std::thread::scope(|s| {
                for h in [ha, hb] {
                    let table = &table;
                    s.spawn(move || {
                        let mut sum = 0u64;
                        for _ in 0..per {
                            sum =
                                sum.wrapping_add(table.get(std::hint::black_box(h)).unwrap().0[0]);
                        }
                        std::hint::black_box(sum);
                    });
                }
            });
            t.elapsed().as_nanos() as f64 / per as f64
        });
        println!(
            "{{\"bench\":\"handles\",\"impl\":\"wstls\",\"entries\":{n},\"lookup_ns\":{fixed:.1},\"random_lookup_ns\":{random:.1},\"insert_remove_ns\":{churn:.1},\"two_thread_lookup_ns\":{parallel:.1}}}"
        );
    }
}
