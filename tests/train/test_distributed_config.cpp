// Where a rank learns its place: torchrun's variables, Slurm's, the --master text.
#include <gtest/gtest.h>

#include <cstdlib>

#include "restora/errors.h"
#include "train/distributed.h"

namespace restora::train {
namespace {

class Environment : public ::testing::Test {
 protected:
  void SetUp() override { clear(); }
  void TearDown() override { clear(); }
  static void clear() {
    for (const char* name : {"WORLD_SIZE", "RANK", "MASTER_ADDR", "MASTER_PORT", "SLURM_NTASKS", "SLURM_PROCID"})
      ::unsetenv(name);
  }
};

TEST_F(Environment, NothingSetIsOneProcess) {
  const auto config = distributed_from_environment();
  EXPECT_EQ(config.world, 1);
  EXPECT_EQ(config.rank, 0);
  EXPECT_FALSE(config.enabled());
}

TEST_F(Environment, TorchrunVariables) {
  ::setenv("WORLD_SIZE", "4", 1);
  ::setenv("RANK", "3", 1);
  ::setenv("MASTER_ADDR", "node7", 1);
  ::setenv("MASTER_PORT", "29123", 1);
  ::setenv("SLURM_NTASKS", "8", 1);  // torchrun's variables win
  const auto config = distributed_from_environment();
  EXPECT_EQ(config.world, 4);
  EXPECT_EQ(config.rank, 3);
  EXPECT_EQ(config.master_host, "node7");
  EXPECT_EQ(config.master_port, 29123);
  EXPECT_TRUE(config.enabled());
}

TEST_F(Environment, SlurmVariables) {
  ::setenv("SLURM_NTASKS", "2", 1);
  ::setenv("SLURM_PROCID", "1", 1);
  const auto config = distributed_from_environment();
  EXPECT_EQ(config.world, 2);
  EXPECT_EQ(config.rank, 1);
}

TEST_F(Environment, MalformedValuesNameTheVariable) {
  ::setenv("WORLD_SIZE", "2", 1);
  ::setenv("RANK", "2", 1);  // not below the world
  try {
    distributed_from_environment();
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("RANK='2'"), std::string::npos) << e.what();
  }
  ::setenv("RANK", "x", 1);
  EXPECT_THROW(distributed_from_environment(), InvalidArgument);
}

TEST(Master, HostAndPort) {
  DistributedConfig config;
  parse_master("10.0.0.1:29500", config);
  EXPECT_EQ(config.master_host, "10.0.0.1");
  EXPECT_EQ(config.master_port, 29500);
  for (const char* bad : {"host", "host:", ":29500", "host:0", "host:70000", "host:12x"})
    EXPECT_THROW(parse_master(bad, config), InvalidArgument) << bad;
}

}  // namespace
}  // namespace restora::train
