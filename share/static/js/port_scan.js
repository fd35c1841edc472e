// Camera scanning on the port verification page. The page works without
// this script: the officer types or pastes the token, or the booking number
// and the ID number. With it, #port-scan offers a button that opens the
// camera (getUserMedia), decodes frames with jsQR (/static/js/jsQR.js,
// loaded before this file), puts the decoded text into the token field and
// submits the form, which verifies the slip and records the entry.
//
// getUserMedia exists only in secure contexts (HTTPS, or http://localhost
// and 127.0.0.1), so elsewhere the section shows why there is no button.
// Every message comes from a data-message-* attribute of #port-scan, in the
// page's language.
(function () {
  'use strict';
  var root = document.getElementById('port-scan');
  var form = document.getElementById('port-token-form');
  var field = document.getElementById('port-token');
  if (!root || !form || !field) return;

  var startButton = document.getElementById('port-scan-start');
  var stopButton = document.getElementById('port-scan-stop');
  var status = document.getElementById('port-scan-status');
  var video = document.getElementById('port-scan-video');

  // Frames are scaled down to at most this many pixels on the longer side
  // before decoding. A slip's QR code fills a good part of the frame, and
  // jsQR's time grows with the pixel count.
  var maxDecodeSide = 800;
  var frameIntervalMs = 150;

  var canvas = document.createElement('canvas');
  var canvasContext = null;
  var stream = null;
  var timer = null;
  // Incremented by stop(), so a camera that opens after the officer left or
  // stopped is closed at once.
  var attempt = 0;

  function message(name) {
    return root.getAttribute('data-message-' + name) || '';
  }

  function setStatus(text) {
    status.textContent = text;
  }

  root.hidden = false;
  if (!navigator.mediaDevices || typeof navigator.mediaDevices.getUserMedia !== 'function') {
    setStatus(message('unsupported'));
    return;
  }
  if (typeof window.jsQR !== 'function') {
    setStatus(message('reader-missing'));
    return;
  }
  startButton.hidden = false;
  video.style.width = '100%';
  video.style.maxWidth = '32rem';

  // The decoded text of a QR code in `source` (a video or an image), or
  // null when none is found.
  function decodeFrame(source, width, height) {
    var scale = Math.min(1, maxDecodeSide / Math.max(width, height));
    var scaledWidth = Math.max(1, Math.round(width * scale));
    var scaledHeight = Math.max(1, Math.round(height * scale));
    if (canvas.width !== scaledWidth || canvas.height !== scaledHeight) {
      canvas.width = scaledWidth;
      canvas.height = scaledHeight;
      canvasContext = null;
    }
    if (!canvasContext) canvasContext = canvas.getContext('2d', { willReadFrequently: true });
    canvasContext.drawImage(source, 0, 0, scaledWidth, scaledHeight);
    var image = canvasContext.getImageData(0, 0, scaledWidth, scaledHeight);
    // Slips are printed or shown dark on light, so jsQR searches each frame
    // once instead of once more inverted.
    var code = window.jsQR(image.data, scaledWidth, scaledHeight, { inversionAttempts: 'dontInvert' });
    return code ? code.data : null;
  }

  function stop() {
    attempt += 1;
    if (timer !== null) {
      window.clearTimeout(timer);
      timer = null;
    }
    if (stream) {
      stream.getTracks().forEach(function (track) { track.stop(); });
      stream = null;
    }
    video.srcObject = null;
    video.hidden = true;
    stopButton.hidden = true;
    startButton.hidden = false;
    startButton.disabled = false;
  }

  // DOMException names from the Media Capture and Streams specification;
  // the older Chromium names are listed too.
  function messageForError(error) {
    var name = error && error.name;
    if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
      return message('denied');
    }
    if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') {
      return message('no-camera');
    }
    return message('failed');
  }

  function submitToken(text) {
    stop();
    field.value = text;
    setStatus(message('found'));
    if (typeof form.requestSubmit === 'function') {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function scanFrame() {
    timer = null;
    if (!stream) return;
    if (video.readyState >= video.HAVE_CURRENT_DATA && video.videoWidth > 0) {
      var text = decodeFrame(video, video.videoWidth, video.videoHeight);
      if (text !== null && text.trim() !== '') {
        submitToken(text.trim());
        return;
      }
    }
    timer = window.setTimeout(scanFrame, frameIntervalMs);
  }

  function start() {
    if (stream) return;
    var thisAttempt = attempt;
    startButton.disabled = true;
    setStatus(message('starting'));
    navigator.mediaDevices.getUserMedia({ audio: false, video: { facingMode: { ideal: 'environment' } } })
      .then(function (media) {
        if (thisAttempt !== attempt) {
          media.getTracks().forEach(function (track) { track.stop(); });
          return null;
        }
        stream = media;
        // A MediaStream set as srcObject is not fetched by URL, so the
        // page's Content-Security-Policy (media-src) does not apply to it.
        video.srcObject = media;
        video.hidden = false;
        startButton.hidden = true;
        stopButton.hidden = false;
        return video.play();
      })
      .then(function () {
        if (!stream) return;
        setStatus(message('aim'));
        scanFrame();
      })
      .catch(function (error) {
        if (thisAttempt !== attempt) return;
        stop();
        setStatus(messageForError(error));
      });
  }

  startButton.addEventListener('click', start);
  stopButton.addEventListener('click', function () {
    stop();
    setStatus('');
  });
  // The camera stays off while the page is hidden or being left.
  window.addEventListener('pagehide', stop);
  document.addEventListener('visibilitychange', function () {
    if (document.hidden && stream) {
      stop();
      setStatus('');
    }
  });
}());
