//! The process's heap: what it holds now (`live_bytes`, counted at every
//! allocation by the global allocator, `Counting`), and handing memory it
//! freed back to the system (`release_freed`). The resident set alone cannot
//! say what the operator keeps per store: glibc's allocator keeps freed
//! memory for reuse, so a new leader's first lists (whole pages of objects,
//! decoded and dropped) stay in the resident set long after.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting the bytes allocated and not yet freed.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed to the system allocator unchanged; the
// counter only adds what it handed out and subtracts what it took back.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `alloc`, passed on.
        let allocated = unsafe { System.alloc(layout) };
        if !allocated.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        allocated
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let allocated = unsafe { System.alloc_zeroed(layout) };
        if !allocated.is_null() {
            LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        }
        allocated
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if !moved.is_null() {
            LIVE.fetch_add(new_size, Ordering::Relaxed);
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
        moved
    }
}

/// Bytes allocated and not freed, when `Counting` is the global allocator
/// (the binary's; 0 in a program that does not install it).
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// Returns the free pages of every glibc arena to the system, so the
/// resident set follows what is held. Nothing elsewhere.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_allocated_and_freed_is_counted() {
        let layout = Layout::from_size_align(4096, 8).unwrap();
        let before = live_bytes();
        // SAFETY: a non-zero layout; the block is freed with the same one.
        unsafe {
            let block = Counting.alloc(layout);
            assert!(!block.is_null());
            assert!(live_bytes() >= before + 4096);
            let grown = Counting.realloc(block, layout, 8192);
            assert!(live_bytes() >= before + 8192);
            Counting.dealloc(grown, Layout::from_size_align(8192, 8).unwrap());
        }
        assert!(live_bytes() < before + 4096);
    }
}
