// DecodeBudget: the decoded pixel bytes one request may assemble (max-decoded-bytes).
//
// A request's deferred work runs start to finish on one worker thread, so the budget lives
// with the thread: the API opens a Scope around a region-sized request's work (api/responses.h
// ExpensiveWork), and every pixel buffer a region read assembles — each level region, each
// frame a style composites, each resized output — is charged to it. Past the limit, Charge
// fails with InvalidArgument naming the setting, before the buffer is allocated. Without a
// Scope (tiles: a bounded amount of work each) nothing is limited.
//
// Thread-safety: per thread; Scopes nest (the inner one is charged, then restores the outer).
#pragma once

#include <cstdint>

#include "core/status.h"

namespace tessera {

class DecodeBudget {
 public:
  class Scope {
   public:
    explicit Scope(uint64_t max_bytes);  // 0: no limit
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

    uint64_t used() const { return used_; }

   private:
    friend class DecodeBudget;
    uint64_t max_bytes_;
    uint64_t used_ = 0;
    Scope* outer_;
  };

  // The open Scope's limit (0: none). A streaming step that frees what it assembled before the
  // next (a strip of a tiled export) opens Scope(Limit()) for itself.
  static uint64_t Limit();
  // Charges `bytes` to this thread's open Scope; InvalidArgument when it would pass the limit.
  static Status Charge(uint64_t bytes);
  // Charges width x height x bands x sample bytes (saturating: a huge product fails).
  static Status ChargePixels(uint64_t width, uint64_t height, uint64_t pixel_bytes);
};

}  // namespace tessera
