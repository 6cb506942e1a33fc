//! A minimal blocking connection pool: connections are made on demand up to a
//! limit, handed out one per transaction, and returned when the guard drops.

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex};

use crate::StoreError;

type Factory<C> = Box<dyn Fn() -> Result<C, StoreError> + Send + Sync>;

pub(crate) struct Pool<C> {
    state: Mutex<State<C>>,
    available: Condvar,
    make: Factory<C>,
    max: usize,
}

struct State<C> {
    idle: Vec<C>,
    open: usize,
}

impl<C> Pool<C> {
    pub(crate) fn new(max: usize, make: Factory<C>) -> Pool<C> {
        Pool {
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            available: Condvar::new(),
            make,
            max: max.max(1),
        }
    }

    /// Takes an idle connection, opens a new one below the limit, or waits.
    pub(crate) fn get(&self) -> Result<Pooled<'_, C>, StoreError> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(c) = st.idle.pop() {
                return Ok(Pooled {
                    pool: self,
                    conn: Some(c),
                });
            }
            if st.open < self.max {
                st.open += 1;
                drop(st);
                return match (self.make)() {
                    Ok(c) => Ok(Pooled {
                        pool: self,
                        conn: Some(c),
                    }),
                    Err(e) => {
                        self.forget();
                        Err(e)
                    }
                };
            }
            st = self.available.wait(st).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn forget(&self) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        st.open -= 1;
        self.available.notify_one();
    }
}

pub(crate) struct Pooled<'p, C> {
    pool: &'p Pool<C>,
    conn: Option<C>,
}

impl<C> Pooled<'_, C> {
    /// Drops the connection instead of returning it (after an I/O failure, say).
    pub(crate) fn discard(mut self) {
        self.conn = None;
        self.pool.forget();
    }
}

impl<C> Deref for Pooled<'_, C> {
    type Target = C;
    fn deref(&self) -> &C {
        self.conn.as_ref().expect("connection present until drop")
    }
}

impl<C> DerefMut for Pooled<'_, C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl<C> Drop for Pooled<'_, C> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            let mut st = self.pool.state.lock().unwrap_or_else(|e| e.into_inner());
            st.idle.push(c);
            self.pool.available.notify_one();
        }
    }
}
