// The object the test code's precompiled header (test_pch.h) is built with; see CMakeLists.txt.
