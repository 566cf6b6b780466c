//! The `SOCKET` handle table.
//!
//! A handle packs a slot index (low 20 bits, plus one so that no handle is 0) and an 11-bit
//! generation: values are positive and fit in 31 bits (legacy code keeps them in an `int`).
//! Lookup is O(1): one read lock and an index. A lookup checks the generation, so a closed or
//! never-issued value gives `WSAENOTSOCK`; freed slots are reused first-in-first-out, so a
//! just-closed value does not come back soon. Lookups hand out `Arc`s: closing a handle never
//! frees memory another thread is still using.
use std::collections::VecDeque;
use std::sync::{Arc, RwLock};

const INDEX_BITS: u32 = 20;
const INDEX_MASK: usize = (1 << INDEX_BITS) - 1;
const GEN_BITS: u32 = 11;
const GEN_MASK: u32 = (1 << GEN_BITS) - 1;
/// Most handles open at once.
pub const MAX_HANDLES: usize = INDEX_MASK - 1;

struct Slot<T> {
    generation: u32,
    value: Option<Arc<T>>,
}

struct Inner<T> {
    slots: Vec<Slot<T>>,
    free: VecDeque<usize>,
    live: usize,
}

/// A generational table of `Arc<T>` addressed by 31-bit handles.
pub struct HandleTable<T> {
    inner: RwLock<Inner<T>>,
}

impl<T> Default for HandleTable<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> HandleTable<T> {
    pub const fn new() -> Self {
        HandleTable {
            inner: RwLock::new(Inner {
                slots: Vec::new(),
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

    /// Stores `value` and returns its new handle, or `None` when the table is full.
    pub fn insert(&self, value: Arc<T>) -> Option<usize> {
        let mut g = self.inner.write().unwrap_or_else(|e| e.into_inner());
        // Keep a reserve of free slots before reusing one, so reuse is really delayed.
        let index = if g.free.len() > 64 || g.slots.len() >= MAX_HANDLES {
            g.free.pop_front()?
        } else {
            g.slots.push(Slot {
                generation: 0,
                value: None,
            });
            g.slots.len() - 1
        };
        let slot = &mut g.slots[index];
        slot.generation = (slot.generation % GEN_MASK) + 1; // 1..=GEN_MASK, never 0
        slot.value = Some(value);
        let h = Self::pack(index, slot.generation);
        g.live += 1;
        Some(h)
    }

    /// The value behind `handle`, if it is open.
    pub fn get(&self, handle: usize) -> Option<Arc<T>> {
        let (index, generation) = Self::unpack(handle)?;
        let g = self.inner.read().unwrap_or_else(|e| e.into_inner());
        let slot = g.slots.get(index)?;
        if slot.generation != generation {
            return None;
        }
        slot.value.clone()
    }

    /// Removes `handle` and returns its value; `None` if it was not open.
    pub fn remove(&self, handle: usize) -> Option<Arc<T>> {
        let (index, generation) = Self::unpack(handle)?;
        let mut g = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let slot = g.slots.get_mut(index)?;
        if slot.generation != generation || slot.value.is_none() {
            return None;
        }
        let v = slot.value.take();
        g.free.push_back(index);
        g.live -= 1;
        v
    }

    /// Removes every entry (used by the last `WSACleanup`).
    pub fn drain(&self) -> Vec<Arc<T>> {
        let mut g = self.inner.write().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for i in 0..g.slots.len() {
            if let Some(v) = g.slots[i].value.take() {
                out.push(v);
                g.free.push_back(i);
            }
        }
        g.live = 0;
        out
    }

    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).live
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
