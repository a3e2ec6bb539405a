# Sourced by the comparison scripts: makes benches/.venv (once) with the
# Python packages named in $1 and checks that module $2 imports.
venv=benches/.venv
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import $2" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q $1
fi
