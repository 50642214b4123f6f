// Clang thread-safety annotations (no-ops on other compilers). Shared state is annotated so
// `-Wthread-safety` under clang and TSan in the tests keep the locking honest.
#pragma once

#if defined(__clang__)
#define TS_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define TS_THREAD_ANNOTATION_(x)
#endif

#define GUARDED_BY(x) TS_THREAD_ANNOTATION_(guarded_by(x))
#define PT_GUARDED_BY(x) TS_THREAD_ANNOTATION_(pt_guarded_by(x))
#define REQUIRES(...) TS_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) TS_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
