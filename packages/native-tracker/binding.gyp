{
  "targets": [
    {
      "target_name": "leakproof_native_tracker",
      "sources": [
        "src/native/binding.cc",
        "src/native/got.cc",
        "src/native/stacks.cc",
        "src/native/symbolize.cc",
        "src/native/table.cc",
        "src/native/tracker.cc"
      ],
      # node-addon-api by its include dir, not as a dependency on its node_addon_api.gyp target:
      # gyp writes an included .gyp's makefiles at that file's path relative to the build dir, which
      # for an installed package (node_modules/@leakproof/x/build) is node_modules/@leakproof/node-addon-api,
      # a stray directory npm ls calls extraneous. The defines and flags are its except.gypi's.
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17"],
      "conditions": [
        ["OS=='linux'", { "libraries": ["-ldl"] }]
      ]
    }
  ]
}
