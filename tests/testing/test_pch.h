// The precompiled header of the test code (CMake option TESSERA_PCH): the heavy third-party and
// standard headers nearly every test includes, parsed once per build instead of once per test
// file (GoogleTest, GoogleMock and nlohmann/json alone take about 4 s per file on 2 cores).
// Only headers that change with the compiler belong here, never our own: a change to one of
// these rebuilds every test.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
