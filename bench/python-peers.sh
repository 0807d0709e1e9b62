# Sourced by the benchmarks' run.sh: `python_peers <venv> <package==version>...` creates the virtualenv on first use
# and installs the pinned peer packages into it (a no-op once they are there).
python_peers() {
  local venv=$1
  shift
  if [ ! -x "$venv/bin/python" ]; then
    echo "creating $venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
}
