# Sourced by the scripts (not run): the Go toolchain setup.sh installs when the machine has none
# new enough, and, once it is installed, its bin first on PATH.
go_version=1.26.8
# The toolchain's module zip (golang.org/toolchain@v0.0.1-go$go_version.linux-amd64) hashed as go.sum
# records it; when changing go_version, take the new hash from
# https://sum.golang.org/lookup/golang.org/toolchain@v0.0.1-go<version>.linux-amd64
go_zip_h1=h1:ZOmGe1OnfREDMIdb1Qi4G9JSuDPBLGExZMQ4nis1RXM=
go_dir=${RUNBOOK_CACHE:-/var/cache/redis-runbook}/go-$go_version

if [[ -x $go_dir/bin/go && :$PATH: != *:$go_dir/bin:* ]]; then
  export PATH=$go_dir/bin:$PATH
fi
