// Live place in the waiting room for the /queue page. The server renders
// the place, and without JavaScript a meta refresh reloads the page every
// few seconds. With this script, the element marked data-queue polls its
// URL (GET /api/v1/queue, which reads the yz_queue cookie) every 1.5 s and
// updates the position, the estimated wait and the update time in place.
// Once the traveller is admitted, or the place is gone (a server restart),
// it reloads the page: the server then shows the turn and the booking link,
// or a new place.
(function () {
  'use strict';
  var root = document.querySelector('[data-queue]');
  if (!root || !window.fetch) return;
  document.documentElement.classList.add('js');

  var source = root.getAttribute('data-queue');
  var position = document.getElementById('queue-position');
  var wait = document.getElementById('queue-wait');
  var updated = document.getElementById('queue-updated');
  var secondsText = root.getAttribute('data-text-seconds') || '{seconds}';
  var minutesText = root.getAttribute('data-text-minutes') || '{minutes}';
  var intervalMs = 1500;
  var maxBackoffMs = 30000;
  var failures = 0;
  var timer = null;
  var inFlight = false;

  var timeFormat = null;
  try {
    timeFormat = new Intl.DateTimeFormat(root.getAttribute('data-lang') || undefined, {
      timeZone: root.getAttribute('data-zone') || undefined,
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
  } catch (error) {
    timeFormat = null;
  }

  // Changes text only when it differs, so that the aria-live region
  // announces real changes and not every poll.
  function setText(element, text) {
    if (element && element.textContent !== text) element.textContent = text;
  }

  function waitText(seconds) {
    if (seconds < 60) return secondsText.replace('{seconds}', String(seconds));
    return minutesText.replace('{minutes}', String(Math.ceil(seconds / 60)));
  }

  function apply(status) {
    setText(position, String(status.position));
    setText(wait, waitText(status.estimated_wait_seconds));
    if (timeFormat) setText(updated, timeFormat.format(new Date()));
  }

  function retryAfterMs(response) {
    var seconds = Number(response.headers.get('Retry-After'));
    return seconds > 0 ? seconds * 1000 : 0;
  }

  function backoffMs() {
    return Math.min(intervalMs * Math.pow(2, failures), maxBackoffMs);
  }

  function schedule(delayMs) {
    clearTimeout(timer);
    timer = null;
    if (!document.hidden) timer = setTimeout(refresh, delayMs);
  }

  function refresh() {
    timer = null;
    if (inFlight || document.hidden) return;
    inFlight = true;
    fetch(source, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        // Signed out, or the place is gone: reloading shows the login page
        // or joins the queue again.
        if (response.status === 401 || response.status === 404) {
          window.location.reload();
          return null;
        }
        if (!response.ok) {
          failures += 1;
          return Math.max(backoffMs(), retryAfterMs(response));
        }
        return response.json().then(function (status) {
          if (status.admitted) {
            window.location.reload();
            return null;
          }
          apply(status);
          failures = 0;
          return intervalMs;
        });
      })
      .catch(function () {
        failures += 1;
        return backoffMs();
      })
      .then(function (delayMs) {
        inFlight = false;
        if (delayMs !== null) schedule(delayMs);
      });
  }

  document.addEventListener('visibilitychange', function () {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else {
      refresh();
    }
  });

  schedule(intervalMs);
})();
