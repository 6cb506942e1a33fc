//! The real server, started with its descriptor limit lowered to 2,048 (`ulimit -n`),
//! flooded on loopback: thousands of idle connections from one address, then from
//! forty, while a client on 127.0.0.1 keeps getting answers. The server never reaches
//! its descriptor limit (it caps connections below it), its memory stays bounded, and
//! it serves everyone again once the flood is gone.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

mod common;

struct Server {
    served: common::Served,
    addr: SocketAddr,
}

impl Server {
    /// Open descriptors and resident memory (kB), from /proc.
    fn fds_and_rss(&self) -> (usize, u64) {
        let pid = self.served.child.id();
        let fds = std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count);
        let rss = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
            })
            .unwrap_or(0);
        (fds, rss)
    }
}

fn start(dir: &std::path::Path) -> Server {
    let db = dir.join("f.db").display().to_string();
    let served = common::serve(
        dir,
        &["--read-rate", "0", "--max-connections", "5000", "--db", &db],
        Some("ulimit -n 2048 &&"),
        false,
    );
    let addr = served.addr.parse().expect("address");
    Server { served, addr }
}

async fn get(addr: SocketAddr) -> (u16, Duration) {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"GET /api/v1/log/checkpoint HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let code = String::from_utf8_lossy(&buf)
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, t0.elapsed())
}

async fn p99(addr: SocketAddr, n: usize) -> Duration {
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let (code, t) = get(addr).await;
        assert_eq!(code, 200, "the other address is served");
        times.push(t);
    }
    times.sort();
    times[times.len() * 99 / 100]
}

/// Opens up to `n` idle connections from each of `sources`, as many as connect within
/// a short while.
async fn flood(addr: SocketAddr, sources: &[String], n: usize) -> Vec<TcpStream> {
    let mut held = Vec::new();
    for src in sources {
        for _ in 0..n {
            let Ok(sock) = TcpSocket::new_v4() else {
                return held;
            };
            if sock
                .bind(format!("{src}:0").parse().expect("addr"))
                .is_err()
            {
                return held;
            }
            match tokio::time::timeout(Duration::from_secs(2), sock.connect(addr)).await {
                Ok(Ok(s)) => held.push(s),
                _ => return held,
            }
        }
    }
    held
}

/// This process's own soft descriptor limit.
fn own_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(1024)
}

#[test]
fn a_server_with_2048_descriptors_survives_floods() {
    let tmp = tempfile::tempdir().expect("tmp");
    let server = start(tmp.path());
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    // Room for the flood in this process; fewer connections where it has less.
    let budget = own_limit().saturating_sub(300);
    rt.block_on(async {
        let addr = server.addr;
        assert!(p99(addr, 20).await < Duration::from_secs(1));
        let (_, rss0) = server.fds_and_rss();

        // One address, 3,000 idle connections (64 admitted, the rest refused).
        let one = flood(addr, &["127.0.0.2".to_owned()], 3000.min(budget)).await;
        assert!(one.len() >= 1000.min(budget), "opened {}", one.len());
        let p = p99(addr, 200).await;
        assert!(
            p < Duration::from_millis(100),
            "p99 {p:?} during a flood from one address"
        );
        let (fds, _) = server.fds_and_rss();
        eprintln!(
            "flood from one address: {} connections, p99 {p:?}, {fds} descriptors",
            one.len()
        );
        assert!(fds < 2048, "{fds} descriptors open");
        drop(one);

        // Forty addresses, 2,400 idle connections: more than the server has descriptors
        // for. It caps connections below its limit, refuses the rest, and never fails
        // to accept.
        let sources: Vec<String> = (10..50).map(|i| format!("127.0.0.{i}")).collect();
        let many = flood(addr, &sources, 60.min(budget / 40)).await;
        let (fds, rss) = server.fds_and_rss();
        eprintln!(
            "flood from forty addresses: {} connections, {fds} descriptors, RSS {rss0} -> {rss} kB",
            many.len()
        );
        assert!(
            fds < 2048,
            "{fds} descriptors open with {} flooding",
            many.len()
        );
        assert!(
            rss < rss0 + 200 * 1024,
            "resident memory grew from {rss0} kB to {rss} kB"
        );
        drop(many);

        // Once the flood is gone, everyone is served again, quickly.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let p = p99(addr, 100).await;
        eprintln!("after the flood: p99 {p:?}");
        assert!(p < Duration::from_millis(100), "p99 {p:?} after the flood");
        let (fds, _) = server.fds_and_rss();
        assert!(fds < 200, "{fds} descriptors still open after the flood");
    });
}
