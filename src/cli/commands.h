// The `tessera` command-line verbs: serve, import, info, tile. Each returns the process exit
// code and prints its own --help.
// Thread-safety: called once from main.
#pragma once

#include <string>
#include <vector>

namespace tessera {

int RunCommand(const std::vector<std::string>& args);

int ServeCommand(const std::vector<std::string>& args);
int ImportCommand(const std::vector<std::string>& args);
int InfoCommand(const std::vector<std::string>& args);
int TileCommand(const std::vector<std::string>& args);

}  // namespace tessera
