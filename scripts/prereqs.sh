# scripts/prereqs.sh - sourced by test.sh and demo.sh: checks the tools wstls needs and, run as
# root (or with passwordless sudo) on Debian/Ubuntu, installs the missing ones with apt-get;
# otherwise prints what to run.
# Usage: wstls_prereqs TOOL...   (tools: cmake cc c++ make openssl python3 socat curl valgrind nm)

wstls_pkg_for() {
    case $1 in
        cc) echo gcc ;;
        c++) echo g++ ;;
        nm) echo binutils ;;
        *) echo "$1" ;;
    esac
}

wstls_prereqs() {
    # Rust installed by rustup may not be on PATH in a non-login shell.
    if [ -d "$HOME/.cargo/bin" ]; then
        PATH="$HOME/.cargo/bin:$PATH"
        export PATH
    fi
    missing=""
    for tool in "$@"; do
        command -v "$tool" >/dev/null 2>&1 || missing="$missing $(wstls_pkg_for "$tool")"
    done
    if [ -n "$missing" ]; then
        sudo=""
        if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            sudo="sudo -n"
        fi
        if { [ "$(id -u)" = 0 ] || [ -n "$sudo" ]; } && command -v apt-get >/dev/null 2>&1; then
            echo "==> installing:$missing"
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get update || return 1
            # shellcheck disable=SC2086
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates $missing || return 1
            for tool in "$@"; do
                if ! command -v "$tool" >/dev/null 2>&1; then
                    echo "$tool is still missing after apt-get install" >&2
                    return 1
                fi
            done
        else
            echo "missing tools:$missing" >&2
            echo "install them with: sudo apt-get install$missing" >&2
            return 1
        fi
    fi
    if ! command -v cargo >/dev/null 2>&1; then
        echo "Rust is required (cargo not found): see https://rustup.rs" >&2
        return 1
    fi
    return 0
}
