//! Graceful shutdown: once the signal comes, the server stops accepting connections
//! but answers the requests already in flight.

mod common;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn shutdown_answers_requests_in_flight_then_stops() {
    let h = common::sqlite();
    common::runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(verity_server::serve(
            listener,
            h.state.clone(),
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(30),
        ));
        // A request provably in flight when the signal comes: its headers are sent,
        // and its body only after the signal, so the server cannot have answered it
        // yet however fast it is — nor can it take it for an idle connection, however
        // slowly the test machine schedules the server (a fixed sleep after a whole
        // request raced on a loaded machine).
        let body = br#"{"proposal": "jcpoa-2015", "from": "pre-deal-2015", "samples": 200}"#;
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST /api/v1/deals/evaluate HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            h.analyst,
            body.len()
        );
        conn.write_all(head.as_bytes()).await.unwrap();
        conn.write_all(&body[..1]).await.unwrap();
        // Time for the server to read the headers and start the handler, which then
        // waits for the rest of the body.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let t0 = Instant::now();
        stop.send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        conn.write_all(&body[1..]).await.unwrap();
        let mut answer = Vec::new();
        conn.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "{}",
            &answer[..answer.len().min(200)]
        );
        assert!(answer.contains("\"years\""));
        tokio::time::timeout(Duration::from_secs(30), server)
            .await
            .expect("the server stops once its requests are answered")
            .unwrap()
            .unwrap();
        println!(
            "in-flight request answered {:?} after the shutdown signal",
            t0.elapsed()
        );
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "no new connections after shutdown"
        );
    });
}
