// jemalloc's compiled-in options for the tessera binary (read once by the allocator at its
// first allocation; a constant, not mutable state).
//
// A tile server's heap grows by many 10-400 kB tile buffers as its caches fill. With 4 kB pages
// every new buffer costs page faults, and on a cold cache they dominated a passthrough request
// (bench/load: 7.8k cold tiles/s with glibc malloc, 14.8-16.4k with jemalloc and transparent
// huge pages, same machine and run; docs/performance.md). `thp:always` asks for huge pages
// (effective when /sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise");
// `background_thread` returns unused memory to the system off the request path.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always,background_thread:true";
}
