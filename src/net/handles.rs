//! The `SOCKET` handle table.
//!
//! A handle packs a slot index (low 20 bits, plus one so that no handle is 0) and an 11-bit
//! generation: values are positive and fit in 31 bits (legacy code keeps them in an `int`).
//! Lookup is O(1) and takes no table-wide lock: the slots live in segments that never move,
//! each slot behind its own small lock on its own cache line, so threads working on different
//! sockets never touch the same memory (a table-wide `RwLock` made every call of every thread
//! bounce one cache line between cores: docs/performance.md). A lookup checks the generation,
//! so a closed or never-issued value gives `WSAENOTSOCK`; freed slots are reused
//! first-in-first-out, so a just-closed value does not come back soon. Lookups hand out
//! `Arc`s: closing a handle never frees memory another thread is still using.
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

const INDEX_BITS: u32 = 20;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
const GEN_BITS: u32 = 11;
const GEN_MASK: u32 = (1 << GEN_BITS) - 1;
/// Most handles open at once.
pub const MAX_HANDLES: usize = INDEX_MASK - 1;
/// Slots per segment; segments are allocated as the table grows and never freed or moved.
const SEG_BITS: u32 = 10;
const SEG_LEN: usize = 1 << SEG_BITS;
const SEGS: usize = (INDEX_MASK + 1) >> SEG_BITS;

struct SlotState<T> {
    generation: u32,
    value: Option<Arc<T>>,
}

/// One slot, alone on its cache line.
#[repr(align(64))]
struct Slot<T> {
    state: Mutex<SlotState<T>>,
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, SlotState<T>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

type Segment<T> = Box<[Slot<T>]>;

/// Allocation state: only `insert` and `remove` take this lock.
struct Alloc {
    /// Slots handed out so far (the next fresh index).
    used: usize,
    free: VecDeque<usize>,
    live: usize,
}

/// A generational table of `Arc<T>` addressed by 31-bit handles.
pub struct HandleTable<T> {
    segments: Box<[OnceLock<Segment<T>>]>,
    alloc: Mutex<Alloc>,
}

impl<T> Default for HandleTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> HandleTable<T> {
    pub fn new() -> Self {
        HandleTable {
            segments: (0..SEGS).map(|_| OnceLock::new()).collect(),
            alloc: Mutex::new(Alloc {
                used: 0,
                free: VecDeque::new(),
                live: 0,
            }),
        }
    }

    fn pack(index: usize, generation: u32) -> usize {
        ((generation as usize) << INDEX_BITS) | (index + 1)
    }

    fn unpack(handle: usize) -> Option<(usize, u32)> {
        if handle == 0 || handle >> (INDEX_BITS + GEN_BITS) != 0 {
            return None;
        }
        let low = handle & INDEX_MASK;
        if low == 0 {
            return None;
        }
        Some((low - 1, (handle >> INDEX_BITS) as u32 & GEN_MASK))
    }

    fn lock_alloc(&self) -> MutexGuard<'_, Alloc> {
        self.alloc.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The slot at `index` if its segment exists.
    fn slot(&self, index: usize) -> Option<&Slot<T>> {
        let seg = self.segments.get(index >> SEG_BITS)?.get()?;
        seg.get(index & (SEG_LEN - 1))
    }

    /// The slot at `index`, allocating its segment.
    fn slot_or_grow(&self, index: usize) -> &Slot<T> {
        let seg = self.segments[index >> SEG_BITS].get_or_init(|| {
            (0..SEG_LEN)
                .map(|_| Slot {
                    state: Mutex::new(SlotState {
                        generation: 0,
                        value: None,
                    }),
                })
                .collect()
        });
        &seg[index & (SEG_LEN - 1)]
    }

    /// Stores `value` and returns its new handle, or `None` when the table is full.
    pub fn insert(&self, value: Arc<T>) -> Option<usize> {
        let mut a = self.lock_alloc();
        // Keep a reserve of free slots before reusing one, so reuse is really delayed.
        let index = if a.free.len() > 64 || a.used >= MAX_HANDLES {
            a.free.pop_front()?
        } else {
            a.used += 1;
            a.used - 1
        };
        a.live += 1;
        let slot = self.slot_or_grow(index);
        let mut st = slot.lock();
        st.generation = (st.generation % GEN_MASK) + 1; // 1..=GEN_MASK, never 0
        st.value = Some(value);
        Some(Self::pack(index, st.generation))
    }

    /// The value behind `handle`, if it is open.
    pub fn get(&self, handle: usize) -> Option<Arc<T>> {
        let (index, generation) = Self::unpack(handle)?;
        let st = self.slot(index)?.lock();
        if st.generation != generation {
            return None;
        }
        st.value.clone()
    }

    /// Removes `handle` and returns its value; `None` if it was not open.
    pub fn remove(&self, handle: usize) -> Option<Arc<T>> {
        let (index, generation) = Self::unpack(handle)?;
        let v = {
            let mut st = self.slot(index)?.lock();
            if st.generation != generation {
                return None;
            }
            st.value.take()?
        };
        let mut a = self.lock_alloc();
        a.free.push_back(index);
        a.live = a.live.saturating_sub(1); // a concurrent drain may have counted it already
        Some(v)
    }

    /// Removes every entry (used by the last `WSACleanup`).
    pub fn drain(&self) -> Vec<Arc<T>> {
        let mut a = self.lock_alloc();
        let mut out = Vec::new();
        for i in 0..a.used {
            if let Some(slot) = self.slot(i) {
                if let Some(v) = slot.lock().value.take() {
                    out.push(v);
                    a.free.push_back(i);
                }
            }
        }
        a.live = 0;
        out
    }

    pub fn len(&self) -> usize {
        self.lock_alloc().live
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_positive_31_bit_and_generational() {
        let t = HandleTable::new();
        let a = t.insert(Arc::new(1)).unwrap();
        assert!(a > 0 && a <= 0x7FFF_FFFF);
        assert_eq!(*t.get(a).unwrap(), 1);
        assert_eq!(*t.remove(a).unwrap(), 1);
        assert!(t.get(a).is_none(), "closed handle must not resolve");
        assert!(t.remove(a).is_none(), "double close must fail");
        assert!(t.get(0).is_none());
        assert!(t.get(usize::MAX).is_none());
        assert!(t.get(a + 12345).is_none(), "never-issued handle");
    }

    #[test]
    fn just_closed_value_is_not_reissued_soon() {
        let t = HandleTable::new();
        let first = t.insert(Arc::new(0)).unwrap();
        t.remove(first);
        let mut seen = std::collections::HashSet::new();
        for i in 0..1000 {
            let h = t.insert(Arc::new(i)).unwrap();
            assert_ne!(h, first, "closed handle value reissued after {i} opens");
            assert!(seen.insert(h));
            t.remove(h);
        }
    }

    #[test]
    fn many_threads() {
        let t = Arc::new(HandleTable::new());
        let threads: Vec<_> = (0..8)
            .map(|n| {
                let t = t.clone();
                std::thread::spawn(move || {
                    for i in 0..2000 {
                        let h = t.insert(Arc::new((n, i))).unwrap();
                        assert_eq!(*t.get(h).unwrap(), (n, i));
                        assert!(t.remove(h).is_some());
                    }
                })
            })
            .collect();
        for th in threads {
            th.join().unwrap();
        }
        assert!(t.is_empty());
    }
}
