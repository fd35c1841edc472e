# Copies third-party browser scripts from node_modules into share/static/js,
# where the server serves them as /static/js/<name>. The copies are build
# outputs listed in .gitignore, and the pinned versions come from
# package.json. Include after the yizhan target is defined.
#
# jsQR (Apache-2.0) decodes QR codes from camera frames on the port
# verification page; its license is served next to it.

set(YIZHAN_JSQR_PACKAGE_DIR "${CMAKE_SOURCE_DIR}/node_modules/jsqr")
set(YIZHAN_STATIC_JS_DIR "${CMAKE_SOURCE_DIR}/share/static/js")

foreach(input IN ITEMS "${YIZHAN_JSQR_PACKAGE_DIR}/package.json" "${YIZHAN_JSQR_PACKAGE_DIR}/dist/jsQR.js"
                       "${YIZHAN_JSQR_PACKAGE_DIR}/LICENSE")
  if(NOT EXISTS "${input}")
    message(FATAL_ERROR "${input} is missing. The port page's QR reader comes from the npm package jsqr: "
      "run `npm ci` in ${CMAKE_SOURCE_DIR}, then configure again.")
  endif()
endforeach()

# Reconfigure when the package is reinstalled, so that a version other than
# the pinned one is reported here instead of being served.
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
  "${YIZHAN_JSQR_PACKAGE_DIR}/package.json" "${CMAKE_SOURCE_DIR}/package.json")
file(READ "${YIZHAN_JSQR_PACKAGE_DIR}/package.json" jsqr_package_json)
string(JSON YIZHAN_JSQR_VERSION GET "${jsqr_package_json}" version)
file(READ "${CMAKE_SOURCE_DIR}/package.json" root_package_json)
string(JSON YIZHAN_JSQR_PINNED_VERSION GET "${root_package_json}" dependencies jsqr)
if(NOT YIZHAN_JSQR_VERSION STREQUAL YIZHAN_JSQR_PINNED_VERSION)
  message(FATAL_ERROR "node_modules/jsqr is version ${YIZHAN_JSQR_VERSION}, but package.json pins "
    "${YIZHAN_JSQR_PINNED_VERSION}: run `npm ci` in ${CMAKE_SOURCE_DIR}, then configure again.")
endif()

add_custom_command(
  OUTPUT "${YIZHAN_STATIC_JS_DIR}/jsQR.js" "${YIZHAN_STATIC_JS_DIR}/jsQR.LICENSE.txt"
  COMMAND ${CMAKE_COMMAND} -E copy "${YIZHAN_JSQR_PACKAGE_DIR}/dist/jsQR.js" "${YIZHAN_STATIC_JS_DIR}/jsQR.js"
  COMMAND ${CMAKE_COMMAND} -E copy "${YIZHAN_JSQR_PACKAGE_DIR}/LICENSE" "${YIZHAN_STATIC_JS_DIR}/jsQR.LICENSE.txt"
  DEPENDS "${YIZHAN_JSQR_PACKAGE_DIR}/dist/jsQR.js" "${YIZHAN_JSQR_PACKAGE_DIR}/LICENSE"
  COMMENT "Copying jsQR ${YIZHAN_JSQR_VERSION} to share/static/js"
  VERBATIM)
add_custom_target(static_assets DEPENDS "${YIZHAN_STATIC_JS_DIR}/jsQR.js" "${YIZHAN_STATIC_JS_DIR}/jsQR.LICENSE.txt")
add_dependencies(yizhan static_assets)
