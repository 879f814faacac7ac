// Typed errors thrown by the Restora library. Each edge (CLI, server) maps
// them once to a message and an exit code; the library never prints or exits.
#pragma once

#include <stdexcept>
#include <string>

namespace restora {

// Base of every error the library throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The caller asked for something invalid (bad option value, unsupported
// scale, unknown architecture id). The CLI maps it to exit code 2.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A file could not be read or written (missing, permission, disk full).
class FileError : public Error {
 public:
  using Error::Error;
};

// A file exists but its content is not what it claims to be: undecodable
// image, truncated or tampered model file, malformed config.
class FormatError : public Error {
 public:
  using Error::Error;
};

// A model cannot serve the request: wrong task, wrong scale, wrong channels.
class ModelMismatch : public Error {
 public:
  using Error::Error;
};

// The caller stopped the work (a progress callback threw it: cancelled, or out of time).
class Cancelled : public Error {
 public:
  using Error::Error;
};

}  // namespace restora
