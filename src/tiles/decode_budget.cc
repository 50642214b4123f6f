#include "tiles/decode_budget.h"

#include <string>

namespace tessera {
namespace {

thread_local DecodeBudget::Scope* current = nullptr;

}  // namespace

DecodeBudget::Scope::Scope(uint64_t max_bytes) : max_bytes_(max_bytes), outer_(current) {
  current = this;
}

DecodeBudget::Scope::~Scope() { current = outer_; }

uint64_t DecodeBudget::Limit() { return current ? current->max_bytes_ : 0; }

Status DecodeBudget::Charge(uint64_t bytes) {
  Scope* s = current;
  if (!s || s->max_bytes_ == 0) return Status::Ok();
  if (bytes > s->max_bytes_ - s->used_) {
    return InvalidArgumentError(
        "This request needs more than " + std::to_string(s->max_bytes_) +
        " bytes of decoded pixels (max-decoded-bytes); ask for a smaller region, a lower "
        "resolution or fewer frames");
  }
  s->used_ += bytes;
  return Status::Ok();
}

Status DecodeBudget::ChargePixels(uint64_t width, uint64_t height, uint64_t pixel_bytes) {
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(width, height, &bytes) ||
      __builtin_mul_overflow(bytes, pixel_bytes, &bytes)) {
    bytes = UINT64_MAX;
  }
  return Charge(bytes);
}

}  // namespace tessera
