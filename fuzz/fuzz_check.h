// FUZZ_CHECK: an invariant of a fuzz target. When it does not hold the target prints the
// condition and aborts, which libFuzzer (and the replay driver, through CTest) reports as a
// crash with the input that caused it. Unlike assert it is never compiled out.
//
// Thread-safety: a macro over fprintf and abort.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)
