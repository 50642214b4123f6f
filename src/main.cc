// tessera: the composition root's entry point. Verbs live in cli/.
#include <string>
#include <vector>

#include "cli/commands.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return tessera::RunCommand(args);
}
