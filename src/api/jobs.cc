#include "api/jobs.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <optional>
#include <utility>

#include "core/logging.h"

namespace tessera {
namespace {

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Finished(JobStatus s) {
  return s == JobStatus::kSuccess || s == JobStatus::kError || s == JobStatus::kCanceled;
}

void AppendLine(JobRecord& job, const std::string& line) {
  job.log += line;
  if (line.empty() || line.back() != '\n') job.log += '\n';
}

void WriteOrWarn(MetadataStore& store, const JobRecord& job) {
  Status s = store.UpdateJob(job);
  if (!s.ok())
    TS_LOG(kWarning) << "job " << job.id << ": cannot write its record: " << s.ToString();
}

}  // namespace

// ---- JobContext

JobContext::JobContext(MetadataStore& store, const JobRunnerOptions& options, JobRecord record)
    : store_(store), options_(options), id_(record.id), record_(std::move(record)) {}

JobRecord JobContext::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return record_;
}

void JobContext::Progress(double current, double total, const std::string& message) {
  std::lock_guard<std::mutex> lock(mu_);
  if (current == record_.progress_current && total == record_.progress_total &&
      message == record_.progress_message && !dirty_) {
    return;
  }
  record_.progress_current = current;
  record_.progress_total = total;
  record_.progress_message = message;
  dirty_ = true;
  const double percent = total > 0 ? 100.0 * current / total : 0;
  const int64_t now = options_.clock->NowNanos();
  if (message != written_message_ || total != written_total_ ||
      std::abs(percent - written_percent_) >= 1.0 ||
      now - last_write_nanos_ >= options_.progress_interval_nanos) {
    WriteLocked();
  }
}

void JobContext::Log(const std::string& line) {
  std::lock_guard<std::mutex> lock(mu_);
  AppendLine(record_, line);
  WriteLocked();
}

void JobContext::WriteLocked() {
  // Someone else (another node's API, or a cancel of a job this process no longer lists) may
  // have canceled the job in the store: honour it rather than overwrite it.
  auto stored = store_.GetJob(id_);
  if (stored.ok() && stored->status == JobStatus::kCanceled &&
      record_.status != JobStatus::kCanceled) {
    record_.status = JobStatus::kCanceled;
    Cancel();
  }
  record_.updated_ms = options_.now_ms();
  WriteOrWarn(store_, record_);
  last_write_nanos_ = options_.clock->NowNanos();
  written_percent_ =
      record_.progress_total > 0 ? 100.0 * record_.progress_current / record_.progress_total : 0;
  written_total_ = record_.progress_total;
  written_message_ = record_.progress_message;
  dirty_ = false;
}

void JobContext::Finish(JobStatus status, const std::string& log_line) {
  std::lock_guard<std::mutex> lock(mu_);
  record_.status = status;
  if (!log_line.empty()) AppendLine(record_, log_line);
  record_.updated_ms = options_.now_ms();
  WriteOrWarn(store_, record_);
  dirty_ = false;
}

// ---- JobRunner

JobRunner::JobRunner(MetadataStore& store, JobRunnerOptions options)
    : store_(store), options_([&] {
        options.threads = std::clamp(options.threads, 1, 8);
        if (!options.clock) options.clock = &Clock::Real();
        if (!options.now_ms) options.now_ms = SystemNowMs;
        return std::move(options);
      }()) {}

JobRunner::~JobRunner() { Stop(); }

int64_t JobRunner::NowMs() const { return options_.now_ms(); }

Status JobRunner::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_ || stopping_) return FailedPreconditionError("the job runner was started");
    started_ = true;
  }
  ListQuery all;
  all.limit = 0;
  all.sort = "created";
  auto jobs = store_.ListJobs("", all);
  if (!jobs.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    started_ = false;
    return jobs.status().WithContext("reading the jobs left by a previous run");
  }
  for (JobRecord& job : *jobs) {
    if (job.status != JobStatus::kQueued && job.status != JobStatus::kRunning) continue;
    if (!job.node.empty() && job.node != options_.node_name) continue;  // another node's
    job.status = JobStatus::kError;
    AppendLine(job, "Job interrupted by a restart.");
    job.updated_ms = NowMs();
    WriteOrWarn(store_, job);
  }
  for (int i = 0; i < options_.threads; ++i) workers_.emplace_back([this] { Loop(); });
  return Status::Ok();
}

StatusOr<JobRecord> JobRunner::Submit(JobRecord job, Work work) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_ || stopping_) return UnavailableError("Background jobs are not running.");
  }
  job.status = JobStatus::kQueued;
  job.node = options_.node_name;
  job.created_ms = job.updated_ms = NowMs();
  TS_ASSIGN_OR_RETURN(JobRecord created, store_.CreateJob(std::move(job)));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(Queued{created, std::move(work)});
      work_cv_.notify_one();
      return created;
    }
  }
  // Stopped between the two locks: the job never runs.
  created.status = JobStatus::kCanceled;
  AppendLine(created, "Canceled: the server is stopping.");
  created.updated_ms = NowMs();
  WriteOrWarn(store_, created);
  return created;
}

StatusOr<JobRecord> JobRunner::Cancel(const std::string& id) {
  std::shared_ptr<JobContext> running;
  std::optional<JobRecord> dequeued;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(queue_.begin(), queue_.end(),
                           [&](const Queued& q) { return q.record.id == id; });
    if (it != queue_.end()) {
      dequeued = std::move(it->record);
      queue_.erase(it);
      idle_cv_.notify_all();
    } else if (auto r = running_.find(id); r != running_.end()) {
      running = r->second;
    }
  }
  if (running) {
    if (!running->canceled()) {
      running->Cancel();
      running->Log("Cancel requested.");
    }
    return running->Snapshot();
  }
  if (dequeued) {
    // The store may know more than the queued copy (nothing writes a queued job, but be safe).
    JobRecord job = *dequeued;
    if (auto stored = store_.GetJob(id); stored.ok()) job = *stored;
    job.status = JobStatus::kCanceled;
    AppendLine(job, "Canceled before it started.");
    job.updated_ms = NowMs();
    TS_RETURN_IF_ERROR(store_.UpdateJob(job));
    return job;
  }
  // Not ours: finished, or held by another process.
  TS_ASSIGN_OR_RETURN(JobRecord job, store_.GetJob(id));
  if (Finished(job.status)) return job;
  job.status = JobStatus::kCanceled;
  job.updated_ms = NowMs();
  TS_RETURN_IF_ERROR(store_.UpdateJob(job));
  return job;
}

void JobRunner::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  std::deque<Queued> dropped;
  std::vector<std::shared_ptr<JobContext>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    dropped.swap(queue_);
    for (auto& [id, ctx] : running_) running.push_back(ctx);
    work_cv_.notify_all();
  }
  for (auto& ctx : running) {
    if (!ctx->canceled()) {
      ctx->Cancel();
      ctx->Log("Canceled: the server is stopping.");
    }
  }
  for (Queued& q : dropped) {
    q.record.status = JobStatus::kCanceled;
    AppendLine(q.record, "Canceled: the server stopped before it started.");
    q.record.updated_ms = NowMs();
    WriteOrWarn(store_, q.record);
  }
  for (std::thread& t : workers_) t.join();
  workers_.clear();
  idle_cv_.notify_all();
}

void JobRunner::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return queue_.empty() && running_.empty(); });
}

size_t JobRunner::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

size_t JobRunner::running() const {
  std::lock_guard<std::mutex> lock(mu_);
  return running_.size();
}

void JobRunner::Loop() {
  for (;;) {
    Queued item;
    std::shared_ptr<JobContext> ctx;
    {
      std::unique_lock<std::mutex> lock(mu_);
      work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      item = std::move(queue_.front());
      queue_.pop_front();
      ctx = std::shared_ptr<JobContext>(new JobContext(store_, options_, item.record));
      running_.emplace(item.record.id, ctx);
    }
    Run(std::move(item), *ctx);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_.erase(ctx->job_id());
    }
    idle_cv_.notify_all();
  }
}

void JobRunner::Run(Queued item, JobContext& ctx) {
  {
    std::lock_guard<std::mutex> lock(ctx.mu_);
    ctx.record_.status = JobStatus::kRunning;
    ctx.WriteLocked();
  }
  Status result;
  try {
    result = item.work(ctx);
  } catch (const std::exception& e) {
    result = InternalError(std::string("the job threw: ") + e.what());
  } catch (...) {
    result = InternalError("the job threw");
  }
  if (result.ok()) {
    ctx.Finish(JobStatus::kSuccess,
               ctx.canceled() ? "Finished before the cancel took effect." : "");
  } else if (ctx.canceled()) {
    ctx.Finish(JobStatus::kCanceled, "Canceled.");
  } else {
    ctx.Finish(JobStatus::kError, "Error: " + result.message());
  }
}

}  // namespace tessera
