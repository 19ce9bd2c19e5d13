# Sourced by ops/run, ops/test and ops/fuzz: installs, quietly and only when missing, every
# Debian 12 package the build and the tests need.
liquida_packages=(
  g++ cmake ninja-build pkg-config git
  librdkafka-dev librocksdb-dev libflatbuffers-dev flatbuffers-compiler
  libboost-dev libssl-dev nlohmann-json3-dev catch2
  kcat python3-confluent-kafka python3-flatbuffers
  libxlsxwriter-dev libsodium-dev libjemalloc-dev libabsl-dev unzip
)

# Only for the dashboard's browser test (ops/test, tests/web): Debian's chromium, and node/npm
# unless a node is already installed (NodeSource's nodejs, for one, bundles npm).
liquida_test_packages=(chromium python3-venv)  # python3-venv: tests/api (schemathesis in a venv)
command -v node >/dev/null 2>&1 || liquida_test_packages+=(nodejs)
command -v npm >/dev/null 2>&1 || liquida_test_packages+=(npm)
# The libFuzzer targets (ops/test, ops/fuzz, tests/fuzz): clang 16, since clang 14 lacks the
# parenthesized aggregate initialization the code uses; libFuzzer and the sanitizer runtimes;
# llvm-symbolizer, for stacks with names and lines.
liquida_fuzz_packages=(clang-16 libclang-rt-16-dev llvm-16)
liquida_test_packages+=("${liquida_fuzz_packages[@]}" clang-format-16 clang-tidy-16)  # ops/lint, ops/tidy
# The real Apache Kafka cluster of the tests and benchmarks (ops/kafka/cluster): a JVM, and
# Maven to fetch Kafka's jars from Maven Central into build/.
liquida_test_packages+=(openjdk-17-jre-headless maven)

liquida_install_deps() {
  local missing=()
  local p
  for p in "${liquida_packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "ops: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Configures (once) and builds one CMake preset.
liquida_build() {
  local preset=$1
  shift
  [ -f "build/$preset/build.ninja" ] || cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$(nproc)" "$@"
}
