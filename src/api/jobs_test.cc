#include "api/jobs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "testing/fake_job_store.h"
#include "testing/temp_dir.h"

namespace tessera {
namespace {

using std::chrono::milliseconds;

// Every test runs against the real SQLite store and against FakeJobStore (jobs only, with
// fault injection). Nothing sleeps: work functions block on futures the test fulfils, and
// WaitIdle waits on the runner's condition variable.
class JobRunnerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "fake") {
      auto fake = std::make_unique<FakeJobStore>();
      fake_ = fake.get();
      store_ = std::move(fake);
    } else {
      auto opened = OpenSqliteStore(dir_.path() + "/tessera.db");
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      store_ = std::move(*opened);
    }
    UserRecord user;
    user.login = "ada";
    user.email = "ada@example.org";
    user.first_name = "Ada";
    user.last_name = "Lovelace";
    auto created = store_->CreateUser(user);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    user_id_ = created->id;
  }

  std::unique_ptr<JobRunner> MakeRunner(int threads = 1) {
    JobRunnerOptions options;
    options.threads = threads;
    options.clock = &clock_;
    options.now_ms = [this] { return now_ms_.load(); };
    return std::make_unique<JobRunner>(*store_, options);
  }

  JobRecord NewJob(const std::string& title = "TIFF conversion: a.png") {
    JobRecord job;
    job.type = "large_image_tiff";
    job.title = title;
    job.user_id = user_id_;
    return job;
  }

  JobRecord Stored(const std::string& id) {
    auto job = store_->GetJob(id);
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : JobRecord{};
  }

  TempDir dir_;
  std::unique_ptr<MetadataStore> store_;
  FakeJobStore* fake_ = nullptr;  // set for the "fake" store
  std::string user_id_;
  FakeClock clock_;
  std::atomic<int64_t> now_ms_{1'700'000'000'000};
};

TEST_P(JobRunnerTest, RunsToSuccessWithProgressAndLog) {
  auto runner = MakeRunner();
  ASSERT_TRUE(runner->Start().ok());
  auto job = runner->Submit(NewJob(), [](JobContext& ctx) {
    ctx.Log("converting");
    ctx.Progress(50, 100, "halfway");
    ctx.Progress(100, 100, "done");
    return Status::Ok();
  });
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->status, JobStatus::kQueued);
  EXPECT_EQ(job->created_ms, now_ms_.load());
  EXPECT_EQ(job->type, "large_image_tiff");
  runner->WaitIdle();
  JobRecord done = Stored(job->id);
  EXPECT_EQ(done.status, JobStatus::kSuccess);
  EXPECT_EQ(done.title, "TIFF conversion: a.png");
  EXPECT_EQ(done.user_id, user_id_);
  EXPECT_EQ(done.progress_current, 100);
  EXPECT_EQ(done.progress_total, 100);
  EXPECT_EQ(done.progress_message, "done");
  EXPECT_EQ(done.log, "converting\n");
}

TEST_P(JobRunnerTest, ErrorsAndExceptionsEndInError) {
  auto runner = MakeRunner();
  ASSERT_TRUE(runner->Start().ok());
  auto failed = runner->Submit(NewJob(), [](JobContext&) { return DataLossError("bad pixels"); });
  auto threw =
      runner->Submit(NewJob(), [](JobContext&) -> Status { throw std::runtime_error("boom"); });
  ASSERT_TRUE(failed.ok() && threw.ok());
  runner->WaitIdle();
  EXPECT_EQ(Stored(failed->id).status, JobStatus::kError);
  EXPECT_EQ(Stored(failed->id).log, "Error: bad pixels\n");
  EXPECT_EQ(Stored(threw->id).status, JobStatus::kError);
  EXPECT_NE(Stored(threw->id).log.find("boom"), std::string::npos);
}

TEST_P(JobRunnerTest, QueuedThenRunningThenSuccess) {
  auto runner = MakeRunner(1);
  ASSERT_TRUE(runner->Start().ok());
  std::promise<void> started, go;
  std::shared_future<void> go_future = go.get_future().share();
  auto first = runner->Submit(NewJob(), [&](JobContext&) {
    started.set_value();
    go_future.wait();
    return Status::Ok();
  });
  auto second = runner->Submit(NewJob(), [](JobContext&) { return Status::Ok(); });
  ASSERT_TRUE(first.ok() && second.ok());
  started.get_future().wait();
  EXPECT_EQ(Stored(first->id).status, JobStatus::kRunning);
  EXPECT_EQ(Stored(second->id).status, JobStatus::kQueued);
  EXPECT_EQ(runner->running(), 1u);
  EXPECT_EQ(runner->queued(), 1u);
  go.set_value();
  runner->WaitIdle();
  EXPECT_EQ(Stored(first->id).status, JobStatus::kSuccess);
  EXPECT_EQ(Stored(second->id).status, JobStatus::kSuccess);
}

TEST_P(JobRunnerTest, TwoThreadsRunTwoJobsAtOnce) {
  auto runner = MakeRunner(2);
  ASSERT_TRUE(runner->Start().ok());
  std::promise<void> a_started, b_started;
  std::shared_future<void> a = a_started.get_future().share();
  std::shared_future<void> b = b_started.get_future().share();
  // Each job waits for the other to start: only two concurrent workers finish both.
  auto work = [](std::promise<void>* mine, std::shared_future<void> other) {
    return [mine, other](JobContext&) {
      mine->set_value();
      return other.wait_for(std::chrono::seconds(30)) == std::future_status::ready
                 ? Status::Ok()
                 : InternalError("the other job never started");
    };
  };
  auto j1 = runner->Submit(NewJob(), work(&a_started, b));
  auto j2 = runner->Submit(NewJob(), work(&b_started, a));
  ASSERT_TRUE(j1.ok() && j2.ok());
  runner->WaitIdle();
  EXPECT_EQ(Stored(j1->id).status, JobStatus::kSuccess) << Stored(j1->id).log;
  EXPECT_EQ(Stored(j2->id).status, JobStatus::kSuccess) << Stored(j2->id).log;
}

TEST_P(JobRunnerTest, CancelQueuedNeverRuns) {
  auto runner = MakeRunner(1);
  ASSERT_TRUE(runner->Start().ok());
  std::promise<void> started, go;
  std::shared_future<void> go_future = go.get_future().share();
  auto first = runner->Submit(NewJob(), [&](JobContext&) {
    started.set_value();
    go_future.wait();
    return Status::Ok();
  });
  bool ran = false;
  auto second = runner->Submit(NewJob(), [&](JobContext&) {
    ran = true;
    return Status::Ok();
  });
  ASSERT_TRUE(first.ok() && second.ok());
  started.get_future().wait();
  auto canceled = runner->Cancel(second->id);
  ASSERT_TRUE(canceled.ok()) << canceled.status().ToString();
  EXPECT_EQ(canceled->status, JobStatus::kCanceled);
  EXPECT_EQ(Stored(second->id).status, JobStatus::kCanceled);
  go.set_value();
  runner->WaitIdle();
  EXPECT_FALSE(ran);
  EXPECT_EQ(Stored(first->id).status, JobStatus::kSuccess);
}

TEST_P(JobRunnerTest, CancelRunningEndsCanceled) {
  auto runner = MakeRunner();
  ASSERT_TRUE(runner->Start().ok());
  std::promise<void> started, go;
  std::shared_future<void> go_future = go.get_future().share();
  auto job = runner->Submit(NewJob(), [&](JobContext& ctx) {
    started.set_value();
    go_future.wait();
    return ctx.canceled() ? FailedPreconditionError("conversion canceled") : Status::Ok();
  });
  ASSERT_TRUE(job.ok());
  started.get_future().wait();
  auto during = runner->Cancel(job->id);
  ASSERT_TRUE(during.ok()) << during.status().ToString();
  EXPECT_EQ(during->status, JobStatus::kRunning);  // until the work notices
  EXPECT_NE(during->log.find("Cancel requested."), std::string::npos);
  go.set_value();
  runner->WaitIdle();
  JobRecord done = Stored(job->id);
  EXPECT_EQ(done.status, JobStatus::kCanceled);
  EXPECT_EQ(done.log, "Cancel requested.\nCanceled.\n");

  // A finished job is returned unchanged; an unknown one is NotFound.
  auto again = runner->Cancel(job->id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->log, done.log);
  EXPECT_EQ(runner->Cancel("0123456789abcdef01234567").status().code(), StatusCode::kNotFound);
}

TEST_P(JobRunnerTest, WorkThatFinishesDespiteACancelSucceeds) {
  auto runner = MakeRunner();
  ASSERT_TRUE(runner->Start().ok());
  std::promise<void> started, go;
  std::shared_future<void> go_future = go.get_future().share();
  auto job = runner->Submit(NewJob(), [&](JobContext&) {
    started.set_value();
    go_future.wait();
    return Status::Ok();
  });
  ASSERT_TRUE(job.ok());
  started.get_future().wait();
  ASSERT_TRUE(runner->Cancel(job->id).ok());
  go.set_value();
  runner->WaitIdle();
  EXPECT_EQ(Stored(job->id).status, JobStatus::kSuccess);
  EXPECT_NE(Stored(job->id).log.find("Finished before the cancel took effect."), std::string::npos);
}

TEST_P(JobRunnerTest, ProgressWritesAreThrottled) {
  auto runner = MakeRunner();
  ASSERT_TRUE(runner->Start().ok());
  std::vector<double> stored;  // progress_current in the store after each report
  auto job = runner->Submit(NewJob(), [&](JobContext& ctx) {
    auto report = [&](double current, const std::string& message = "") {
      ctx.Progress(current, 100, message);
      stored.push_back(store_->GetJob(ctx.job_id())->progress_current);
    };
    report(0.1);  // the first report is written
    report(0.5);  // < 1 point and no time passed: not written
    clock_.Advance(milliseconds(249));
    report(0.6);  // still not
    clock_.Advance(milliseconds(1));
    report(0.7);                     // 250 ms since the last write
    report(1.7);                     // one point more
    report(1.8, "writing level 2");  // a new message
    report(1.9, "writing level 2");  // not
    return Status::Ok();
  });
  ASSERT_TRUE(job.ok());
  runner->WaitIdle();
  EXPECT_EQ(stored, (std::vector<double>{0.1, 0.1, 0.1, 0.7, 1.7, 1.8, 1.8}));
  EXPECT_EQ(Stored(job->id).progress_current, 1.9);  // the end writes what was held back
}

TEST_P(JobRunnerTest, StartMarksJobsOfAPreviousRunAsErrors) {
  std::vector<std::string> ids;
  for (JobStatus s : {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSuccess}) {
    JobRecord job = NewJob();
    job.status = s;
    job.created_ms = job.updated_ms = 1;
    auto created = store_->CreateJob(job);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    ids.push_back(created->id);
  }
  auto runner = MakeRunner();
  ASSERT_TRUE(runner->Start().ok());
  EXPECT_EQ(Stored(ids[0]).status, JobStatus::kError);
  EXPECT_EQ(Stored(ids[0]).log, "Job interrupted by a restart.\n");
  // Updated now (the SQLite store stamps updates with its own clock, the fake with ours).
  EXPECT_GT(Stored(ids[0]).updated_ms, 1);
  EXPECT_EQ(Stored(ids[1]).status, JobStatus::kError);
  EXPECT_EQ(Stored(ids[2]).status, JobStatus::kSuccess);
  EXPECT_EQ(Stored(ids[2]).log, "");
  EXPECT_EQ(runner->Start().code(), StatusCode::kFailedPrecondition);
}

// Several nodes share one database: a node restarting interrupts its own jobs (and those
// recorded before jobs had a node), never another node's.
TEST_P(JobRunnerTest, StartInterruptsOnlyThisNodesJobs) {
  auto left = [&](const std::string& node) {
    JobRecord job = NewJob("on " + node);
    job.status = JobStatus::kRunning;
    job.node = node;
    auto created = store_->CreateJob(job);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? created->id : "";
  };
  const std::string mine = left("a:8080");
  const std::string other = left("b:8080");
  const std::string legacy = left("");
  JobRunnerOptions options;
  options.clock = &clock_;
  options.now_ms = [this] { return now_ms_.load(); };
  options.node_name = "a:8080";
  JobRunner runner(*store_, options);
  ASSERT_TRUE(runner.Start().ok());
  EXPECT_EQ(Stored(mine).status, JobStatus::kError);
  EXPECT_EQ(Stored(legacy).status, JobStatus::kError);
  EXPECT_EQ(Stored(other).status, JobStatus::kRunning);
  EXPECT_EQ(Stored(other).log, "");

  // What this runner submits carries its node, so the next start of b leaves it alone too.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto job = runner.Submit(NewJob(), [released](JobContext&) {
    released.wait();
    return Status::Ok();
  });
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(Stored(job->id).node, "a:8080");
  options.node_name = "b:8080";
  JobRunner node_b(*store_, options);
  ASSERT_TRUE(node_b.Start().ok());
  EXPECT_NE(Stored(job->id).status, JobStatus::kError);
  EXPECT_EQ(Stored(other).status, JobStatus::kError);  // b's own leftover
  release.set_value();
  runner.WaitIdle();
  EXPECT_EQ(Stored(job->id).status, JobStatus::kSuccess);
}

TEST_P(JobRunnerTest, StopCancelsRunningAndQueuedJobs) {
  auto runner = MakeRunner(1);
  ASSERT_TRUE(runner->Start().ok());
  std::promise<void> started;
  auto running = runner->Submit(NewJob(), [&](JobContext& ctx) {
    started.set_value();
    while (!ctx.canceled()) std::this_thread::yield();  // a conversion polls like this
    return FailedPreconditionError("conversion canceled");
  });
  bool ran = false;
  auto queued = runner->Submit(NewJob(), [&](JobContext&) {
    ran = true;
    return Status::Ok();
  });
  ASSERT_TRUE(running.ok() && queued.ok());
  started.get_future().wait();
  runner->Stop();
  EXPECT_FALSE(ran);
  EXPECT_EQ(Stored(running->id).status, JobStatus::kCanceled);
  EXPECT_EQ(Stored(running->id).log, "Canceled: the server is stopping.\nCanceled.\n");
  EXPECT_EQ(Stored(queued->id).status, JobStatus::kCanceled);
  EXPECT_EQ(runner->Submit(NewJob(), [](JobContext&) { return Status::Ok(); }).status().code(),
            StatusCode::kUnavailable);
  runner->Stop();  // idempotent
}

TEST_P(JobRunnerTest, SubmitBeforeStartIsUnavailable) {
  auto runner = MakeRunner();
  EXPECT_EQ(runner->Submit(NewJob(), [](JobContext&) { return Status::Ok(); }).status().code(),
            StatusCode::kUnavailable);
}

TEST_P(JobRunnerTest, CancelWrittenByAnotherProcessIsHonoured) {
  auto runner = MakeRunner();
  ASSERT_TRUE(runner->Start().ok());
  std::promise<void> started, go;
  std::shared_future<void> go_future = go.get_future().share();
  auto job = runner->Submit(NewJob(), [&](JobContext& ctx) {
    started.set_value();
    go_future.wait();
    ctx.Progress(10, 100);  // the write re-reads the record and sees the cancel
    return ctx.canceled() ? FailedPreconditionError("conversion canceled") : Status::Ok();
  });
  ASSERT_TRUE(job.ok());
  started.get_future().wait();
  // Another node's API cancels through the store: this runner does not hold the job there.
  JobRecord record = Stored(job->id);
  record.status = JobStatus::kCanceled;
  ASSERT_TRUE(store_->UpdateJob(record).ok());
  go.set_value();
  runner->WaitIdle();
  EXPECT_EQ(Stored(job->id).status, JobStatus::kCanceled);
}

TEST_P(JobRunnerTest, StoreFailuresDoNotStopTheRunner) {
  if (!fake_) GTEST_SKIP() << "fault injection needs the fake store";
  auto runner = MakeRunner();
  ASSERT_TRUE(runner->Start().ok());
  fake_->fail_updates = true;
  bool ran = false;
  auto job = runner->Submit(NewJob(), [&](JobContext& ctx) {
    ctx.Progress(1, 2, "cannot be written");
    ctx.Log("nor can this");
    ran = true;
    return Status::Ok();
  });
  ASSERT_TRUE(job.ok());
  runner->WaitIdle();
  EXPECT_TRUE(ran);
  EXPECT_EQ(Stored(job->id).status, JobStatus::kQueued);  // nothing could be written
  fake_->fail_updates = false;
  auto next = runner->Submit(NewJob(), [](JobContext&) { return Status::Ok(); });
  ASSERT_TRUE(next.ok());
  runner->WaitIdle();
  EXPECT_EQ(Stored(next->id).status, JobStatus::kSuccess);
}

INSTANTIATE_TEST_SUITE_P(Stores, JobRunnerTest, ::testing::Values("sqlite", "fake"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tessera
