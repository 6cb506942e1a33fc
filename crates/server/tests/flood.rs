//! A flood on loopback: thousands of idle connections from one address (127.0.0.2)
//! while a client on another (127.0.0.1) keeps getting answers quickly. The flood's
//! connections beyond its share get a JSON 503 and are closed; those within it are
//! closed once the header-read timeout passes. Bounded in count and time.

mod common;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// Connections the flood opens (idle: no byte sent), fewer where this process may hold
/// fewer descriptors (its soft limit, from /proc/self/limits), leaving room for the
/// server's own.
fn flood_size() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(3)
                        .and_then(|v| v.parse::<usize>().ok())
                })
        })
        .unwrap_or(1024);
    1500.min(soft.saturating_sub(400))
}

async fn get(addr: std::net::SocketAddr, path: &str) -> (u16, Duration) {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n").as_bytes())
        .await
        .expect("write");
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.expect("read");
    let text = String::from_utf8_lossy(&buf);
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, t0.elapsed())
}

#[test]
fn a_flood_from_one_address_does_not_starve_another() {
    let h = common::sqlite();
    let rt = common::runtime();
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let limits = verity_server::ConnLimits {
            per_client: 64,
            total: 1024,
            header_read: Duration::from_secs(2),
            request: Duration::from_secs(30),
            // Rates are tested below; here only connections count.
            reads_per_second: 0,
            ..verity_server::ConnLimits::default()
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(verity_server::serve_with(
            listener,
            h.state.clone(),
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(2),
            limits,
        ));
        // Warm the caches the answers come from.
        assert_eq!(get(addr, "/api/v1/log/checkpoint").await.0, 200);

        // The flood: idle connections from 127.0.0.2.
        let want = flood_size();
        let mut flood = Vec::with_capacity(want);
        for _ in 0..want {
            let Ok(sock) = TcpSocket::new_v4() else { break };
            if sock.bind("127.0.0.2:0".parse().unwrap()).is_err() {
                break;
            }
            match tokio::time::timeout(Duration::from_secs(2), sock.connect(addr)).await {
                Ok(Ok(s)) => flood.push(s),
                _ => break,
            }
        }
        assert!(
            flood.len() >= 500.min(want),
            "the flood opened {} of {want} connections",
            flood.len()
        );
        // Beyond its share, the flood is refused with a JSON 503 and closed.
        let mut refused = 0;
        for s in flood.iter_mut().rev().take(50) {
            let mut buf = vec![0u8; 512];
            if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await
            {
                let text = String::from_utf8_lossy(&buf[..n]);
                if text.starts_with("HTTP/1.1 503") && text.contains("\"error\"") {
                    refused += 1;
                }
            }
        }
        assert_eq!(
            refused, 50,
            "connections past the per-address cap are refused"
        );

        // Meanwhile the other address is served, quickly.
        let mut times = Vec::new();
        for _ in 0..200 {
            let (code, t) = get(addr, "/api/v1/log/checkpoint").await;
            assert_eq!(code, 200);
            times.push(t);
        }
        times.sort();
        let p99 = times[times.len() * 99 / 100];
        assert!(p99 < Duration::from_millis(100), "p99 {p99:?}");

        // The flood's admitted connections are closed once the header-read time passes.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let mut buf = [0u8; 16];
        let mut closed = 0;
        for s in flood.iter_mut().take(64) {
            if let Ok(Ok(0)) = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await
            {
                closed += 1;
            } else if let Ok(Ok(_)) =
                tokio::time::timeout(Duration::from_millis(10), s.read(&mut buf)).await
            {
                closed += 1;
            }
        }
        assert_eq!(
            closed, 64,
            "idle connections are closed after the header-read timeout"
        );
        drop(flood);
        // And the flooding address is served again once its connections are gone.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let sock = TcpSocket::new_v4().unwrap();
        sock.bind("127.0.0.2:0".parse().unwrap()).unwrap();
        let mut s = sock.connect(addr).await.unwrap();
        s.write_all(b"GET /api/v1/log/checkpoint HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        assert!(String::from_utf8_lossy(&out).starts_with("HTTP/1.1 200"));

        let _ = stop.send(());
        server.await.unwrap().unwrap();
    });
}

/// One raw HTTP/1.1 exchange from `from`: the status, the headers and body as text.
async fn exchange(from: &str, addr: std::net::SocketAddr, request: &str) -> (u16, String) {
    let sock = TcpSocket::new_v4().unwrap();
    sock.bind(format!("{from}:0").parse().unwrap()).unwrap();
    let mut s = sock.connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, text)
}

fn start(
    rt: &tokio::runtime::Runtime,
    state: verity_server::AppState,
    limits: verity_server::ConnLimits,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(verity_server::serve_with(
            listener,
            state,
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(2),
            limits,
        ));
        (addr, stop, server)
    })
}

#[test]
fn each_address_has_its_own_request_budget_and_writes_a_stricter_one() {
    let h = common::sqlite();
    let rt = common::runtime();
    let limits = verity_server::ConnLimits {
        reads_per_second: 2,
        read_burst: 10,
        writes_per_minute: 2,
        write_burst: 2,
        ..verity_server::ConnLimits::default()
    };
    let (addr, stop, server) = start(&rt, h.state.clone(), limits);
    rt.block_on(async {
        let get = "GET /api/v1/log/checkpoint HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n";
        let mut codes = Vec::new();
        let mut refusal = String::new();
        for _ in 0..20 {
            let (code, text) = exchange("127.0.0.2", addr, get).await;
            if code == 429 {
                refusal = text;
            }
            codes.push(code);
        }
        let ok = codes.iter().filter(|c| **c == 200).count();
        let limited = codes.iter().filter(|c| **c == 429).count();
        // The burst of 10, perhaps one more refilled while the loop ran; the rest 429.
        assert!((10..=12).contains(&ok), "{codes:?}");
        assert_eq!(ok + limited, 20, "{codes:?}");
        let lower = refusal.to_ascii_lowercase();
        assert!(lower.contains("retry-after: 1"), "{refusal}");
        assert!(lower.contains("content-type: application/json"), "{refusal}");
        assert!(refusal.contains(r#""error":"too many requests from this address"#), "{refusal}");

        // Another address is not affected.
        for _ in 0..5 {
            assert_eq!(exchange("127.0.0.1", addr, get).await.0, 200);
        }

        // Writes have their own, smaller budget: two, then 429 even though reads of
        // another address go on.
        let post = "POST /api/v1/evidence HTTP/1.1\r\nhost: x\r\ncontent-type: text/csv\r\ncontent-length: 0\r\nconnection: close\r\n\r\n";
        let mut writes = Vec::new();
        for _ in 0..4 {
            writes.push(exchange("127.0.0.3", addr, post).await.0);
        }
        assert_eq!(writes, [401, 401, 429, 429]);
        assert_eq!(exchange("127.0.0.3", addr, get).await.0, 200);

        // A budget refills with time.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(exchange("127.0.0.2", addr, get).await.0, 200);
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    });
}

#[test]
fn an_upload_without_the_role_is_refused_before_its_body_is_read() {
    let h = common::sqlite();
    let rt = common::runtime();
    let (addr, stop, server) = start(&rt, h.state.clone(), verity_server::ConnLimits::default());
    rt.block_on(async {
        // Headers announce 100 MB and no byte of it follows: the answer must come from
        // the headers alone, not after a read of the body (or its 413).
        for (auth, want) in [
            (String::new(), 401),
            ("authorization: Bearer vty_nosuchtoken\r\n".to_owned(), 401),
            (format!("authorization: Bearer {}\r\n", h.analyst), 403),
        ] {
            let req = format!(
                "POST /api/v1/evidence HTTP/1.1\r\nhost: x\r\ncontent-type: text/csv\r\n{auth}content-length: 100000000\r\n\r\n"
            );
            let t0 = Instant::now();
            let (code, text) = exchange("127.0.0.1", addr, &req).await;
            assert_eq!(code, want, "{text}");
            assert!(t0.elapsed() < Duration::from_secs(2));
            assert!(text.contains("\"error\""), "{text}");
        }
        // An inspector's oversized upload is refused by size (413, JSON).
        let req = format!(
            "POST /api/v1/evidence HTTP/1.1\r\nhost: x\r\ncontent-type: text/csv\r\nauthorization: Bearer {}\r\ncontent-length: 100000000\r\n\r\n",
            h.inspector
        );
        let (code, text) = exchange("127.0.0.1", addr, &req).await;
        assert_eq!(code, 413, "{text}");
        let _ = stop.send(());
        server.await.unwrap().unwrap();
    });
}

#[test]
fn an_oversized_body_without_a_length_is_a_json_413() {
    let h = common::sqlite();
    common::runtime().block_on(async {
        let big = vec![b'a'; verity_server::IMPORT_BODY_LIMIT + 1];
        for path in ["/api/v1/evidence", "/api/v1/log/entries"] {
            let ct = if path.ends_with("evidence") {
                "text/csv"
            } else {
                "application/json"
            };
            let r = common::call(
                &h.app,
                "POST",
                path,
                Some(&h.inspector),
                Some((ct, big.clone())),
            )
            .await;
            assert_eq!(r.status, 413, "{path}");
            assert!(
                r.json()["error"]
                    .as_str()
                    .unwrap()
                    .contains("the body could not be read"),
                "{path}"
            );
        }
    });
}
