{
  "target_defaults": {
    "sources": ["src/native/client.cc", "src/native/convert.cc"],
    # node-addon-api by its include dir, not as a dependency on its node_addon_api.gyp target:
    # gyp writes an included .gyp's makefiles at that file's path relative to the build dir, which
    # for an installed package (node_modules/@leakproof/x/build) is node_modules/@leakproof/node-addon-api,
    # a stray directory npm ls calls extraneous. The defines and flags are its except.gypi's.
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions"],
    "cflags_cc": ["-std=c++17"],
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "LDAP_DEPRECATED=0"],
    "libraries": ["-lldap", "-llber"]
  },
  "targets": [
    { "target_name": "leakproof_ldap" },
    {
      "target_name": "leakproof_ldap_controls_ref_leak",
      "defines": ["LEAKPROOF_REGRESSION_CONTROLS_REF_LEAK"],
      "product_dir": "<(PRODUCT_DIR)/regressions"
    },
    {
      "target_name": "leakproof_ldap_not_found_leak",
      "defines": ["LEAKPROOF_REGRESSION_NOT_FOUND_LEAK"],
      "product_dir": "<(PRODUCT_DIR)/regressions"
    }
  ]
}
