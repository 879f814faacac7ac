// What the web UI and its HTTP API can run: each operation is one `restora` subcommand (its
// task, its options with their ranges), turned into the library's options and into the
// equivalent command line, so that whatever the page does can be scripted.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "restora/repairer.h"
#include "restora/restorer.h"

namespace restora::server {

// One option of an operation, as the page shows it and the command line spells it.
struct OperationOption {
  std::string name;                 // JSON key and flag: "sigma" -> --sigma
  std::string label, help;
  std::string kind;                 // "number", "integer" or "choice"
  double minimum = 0, maximum = 0;  // number, integer
  std::vector<double> choices;      // choice
  nlohmann::json default_value;     // null = not given (the model decides: blind, as stored)
};

struct Operation {
  std::string command;  // the `restora` subcommand: "denoise", "upscale", ...
  std::string task;     // the library task whose models it runs
  std::string label, help;
  bool needs_mask = false;    // inpaint: a mask of the pixels to fill
  bool finds_damage = false;  // repair: a detector, then the inpainting model
  std::vector<OperationOption> options;
};

// Every operation, in the page's order.
const std::vector<Operation>& operations();

// The operation named `command`; InvalidArgument listing the known ones otherwise.
const Operation& find_operation(const std::string& command);

// The parameters of a request, checked against the operation: {"model": "name", "precision":
// "auto|fp32|bf16", and the operation's options}. Unknown keys, wrong types and values out of
// range -> InvalidArgument naming the key.
struct Parameters {
  std::string model, precision = "auto";
  nlohmann::json values = nlohmann::json::object();  // the operation's options that were given
};
Parameters parse_parameters(const Operation& operation, const nlohmann::json& request);

// The library's options for a request (model, precision and the operation's options; threads,
// memory and progress are the caller's).
RestoreOptions restore_options(const Operation& operation, const Parameters& parameters);
RepairOptions repair_options(const Operation& operation, const Parameters& parameters);

// "restora denoise -i 'photo.png' -o 'photo-denoise.png' --sigma 25": the same work from the
// command line (paths quoted for a POSIX shell where they need it).
std::string command_line(const Operation& operation, const Parameters& parameters,
                         const std::string& input, const std::string& output,
                         const std::string& mask = "");

// The catalogue the page builds its controls from: the operations with their options and the
// shipped models of their tasks (name, description, colour, scales, scores, default).
nlohmann::json catalogue();

}  // namespace restora::server
