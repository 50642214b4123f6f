// JobRunner: background jobs (large_image's conversions, POST /item/{id}/tiles) on a small pool
// of worker threads, their state kept in the MetadataStore's job records so that Girder's job
// endpoints (api/jobs_api.h) show it: status QUEUED → RUNNING → SUCCESS / ERROR / CANCELED,
// progress {current, total, message} and a log.
//
// The work of a job is a function of its JobContext: it reports progress (written to the store
// throttled: when the percent moves by at least one point, the total or the message changes, or
// `progress_interval_nanos` of the injected clock passed since the last write), appends log
// lines (written at once) and polls canceled(). Its Status decides the end: OK → SUCCESS, an
// error → ERROR (the message is logged), and CANCELED whenever cancellation was asked before
// the work returned an error or gave up (an OK result stays SUCCESS: the work did finish).
//
// Cancel(id): a queued job is CANCELED at once and never runs; a running one sees canceled()
// and ends CANCELED when its work returns. A job this runner does not hold (another process's)
// that the store still shows QUEUED/RUNNING is marked CANCELED in the store; its owner notices
// at its next progress write, which re-reads the record first.
// Every job records the node that runs it (`node_name`, the `node-name` setting). Start() marks
// the jobs a previous process of this node left QUEUED or RUNNING as ERROR ("interrupted by a
// restart"): their workers died with it. Jobs of other nodes sharing the database are left
// alone (they may be running); jobs with no node (recorded before nodes were) count as this
// node's. Stop() cancels what is running, marks what is queued CANCELED and joins the workers.
//
// Timestamps (created/updated, Unix ms) come from `now_ms`, throttling from `clock`; both are
// injected so tests control time. A failed store write is logged and the job goes on.
// Thread-safety: every method is safe from any thread; JobContext methods are safe from any
// thread too (libvips reports progress from its own threads).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/thread_annotations.h"
#include "store/metadata_store.h"

namespace tessera {

struct JobRunnerOptions {
  int threads = 1;  // clamped to [1, 8]
  int64_t progress_interval_nanos = 250'000'000;
  const Clock* clock = &Clock::Real();
  std::function<int64_t()> now_ms;  // wall clock, Unix ms (default: the system clock)
  // This node's name in job records; unique among the nodes sharing a database and the same
  // across restarts of one node (the server uses host name:port).
  std::string node_name;
};

class JobContext {
 public:
  JobContext(const JobContext&) = delete;
  JobContext& operator=(const JobContext&) = delete;

  const std::string& job_id() const { return id_; }
  // The record as it is now (a copy).
  JobRecord Snapshot() const EXCLUDES(mu_);
  bool canceled() const { return canceled_.load(std::memory_order_relaxed); }

  // Progress of the work; written to the store as the header describes.
  void Progress(double current, double total, const std::string& message = "") EXCLUDES(mu_);
  // Appends one line to the job's log (a trailing newline is added) and writes it.
  void Log(const std::string& line) EXCLUDES(mu_);

 private:
  friend class JobRunner;
  JobContext(MetadataStore& store, const JobRunnerOptions& options, JobRecord record);
  void Cancel() { canceled_.store(true, std::memory_order_relaxed); }
  // Writes the record (after noticing a cancel written by someone else).
  void WriteLocked() REQUIRES(mu_);
  // The final status, written at once.
  void Finish(JobStatus status, const std::string& log_line) EXCLUDES(mu_);

  MetadataStore& store_;
  const JobRunnerOptions& options_;
  const std::string id_;
  std::atomic<bool> canceled_{false};
  mutable std::mutex mu_;
  JobRecord record_ GUARDED_BY(mu_);
  int64_t last_write_nanos_ GUARDED_BY(mu_) = 0;
  double written_percent_ GUARDED_BY(mu_) = -100;
  double written_total_ GUARDED_BY(mu_) = -1;
  std::string written_message_ GUARDED_BY(mu_);
  bool dirty_ GUARDED_BY(mu_) = false;
};

class JobRunner {
 public:
  using Work = std::function<Status(JobContext&)>;

  JobRunner(MetadataStore& store, JobRunnerOptions options);
  ~JobRunner();  // Stop()
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Marks the jobs left QUEUED or RUNNING by a previous process of this node as ERROR, then
  // starts the workers. Once; FailedPrecondition afterwards.
  Status Start() EXCLUDES(mu_);

  // Creates the record (status QUEUED, timestamps set) and queues `work`. Unavailable when the
  // runner is not started or stopping.
  StatusOr<JobRecord> Submit(JobRecord job, Work work) EXCLUDES(mu_);

  // The record as stored after the request (see the header for what canceling does). A job
  // already finished is returned unchanged. NotFound for an unknown id.
  StatusOr<JobRecord> Cancel(const std::string& id) EXCLUDES(mu_);

  // Cancels running jobs, marks queued ones CANCELED and joins the workers. Idempotent.
  void Stop() EXCLUDES(mu_);

  // Blocks until nothing is queued or running (tests and shutdown; no polling).
  void WaitIdle() EXCLUDES(mu_);

  // Jobs queued and running now.
  size_t queued() const EXCLUDES(mu_);
  size_t running() const EXCLUDES(mu_);

 private:
  struct Queued {
    JobRecord record;  // as created
    Work work;
  };
  void Loop() EXCLUDES(mu_);
  void Run(Queued item, JobContext& ctx) EXCLUDES(mu_);
  int64_t NowMs() const;

  MetadataStore& store_;
  const JobRunnerOptions options_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // something queued, or stopping
  std::condition_variable idle_cv_;  // a job finished
  std::deque<Queued> queue_ GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<JobContext>> running_ GUARDED_BY(mu_);
  bool started_ GUARDED_BY(mu_) = false;
  bool stopping_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;  // started in Start, joined in Stop (one caller at a time)
  std::mutex stop_mu_;                // serialises Stop
};

}  // namespace tessera
