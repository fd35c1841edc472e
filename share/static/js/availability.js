// Live room counts for the booking page and the publicity page. The server
// renders every count, so the pages work without this script. With it, the
// element marked data-availability polls its URL (GET /api/v1/availability)
// and updates each [data-date] item inside it in place:
//   [data-field=quota|booked|remaining]  the number,
//   [data-field=state]                    the label from data-label-<state>,
//   a.day-link                            linked to data-link-base + date while
//                                         bookable, unlinked otherwise.
// Polling pauses while the tab is hidden and never runs more often than the
// response's Cache-Control max-age allows.
(function () {
  'use strict';
  var root = document.querySelector('[data-availability]');
  if (!root || !window.fetch) return;
  document.documentElement.classList.add('js');

  var source = root.getAttribute('data-availability');
  var linkBase = root.getAttribute('data-link-base');  // null: never link dates
  var intervalMs = 5000;
  var maxBackoffMs = 60000;
  var failures = 0;
  var timer = null;
  var inFlight = false;

  var liveHint = document.getElementById('live-hint');
  if (liveHint) liveHint.hidden = false;

  function stateLabel(state) {
    return root.getAttribute('data-label-' + state) || '';
  }

  function setLink(item, day) {
    var link = item.querySelector('a.day-link');
    if (!link || linkBase === null) return;
    if (day && day.bookable) {
      link.setAttribute('href', linkBase + day.date);
      link.removeAttribute('aria-disabled');
    } else {
      link.removeAttribute('href');
      link.setAttribute('aria-disabled', 'true');
    }
  }

  function apply(days) {
    var byDate = {};
    days.forEach(function (day) { byDate[day.date] = day; });
    var anyBookable = false;
    Array.prototype.forEach.call(root.querySelectorAll('[data-date]'), function (item) {
      // A date missing from the response has left the window (after midnight).
      // NOTE: a date that joins the window is not added; a reload shows it.
      var day = byDate[item.getAttribute('data-date')];
      var state = day ? (day.state || 'open') : 'closed';
      if (day && day.bookable) anyBookable = true;
      ['quota', 'booked', 'remaining'].forEach(function (field) {
        var cell = item.querySelector('[data-field="' + field + '"]');
        if (cell && day) cell.textContent = String(day[field]);
      });
      item.setAttribute('data-state', state);
      var label = item.querySelector('[data-field="state"]');
      if (label) label.textContent = stateLabel(state);
      setLink(item, day);
    });
    // The "booking is closed" notice is stale once any date can be booked.
    var closedNotice = document.getElementById('closed-notice');
    if (closedNotice && anyBookable) closedNotice.hidden = true;
  }

  function maxAgeMs(response) {
    var match = /max-age=(\d+)/.exec(response.headers.get('Cache-Control') || '');
    return match ? Number(match[1]) * 1000 : 0;
  }

  function retryAfterMs(response) {
    var seconds = Number(response.headers.get('Retry-After'));
    return seconds > 0 ? seconds * 1000 : 0;
  }

  function schedule(delayMs) {
    clearTimeout(timer);
    timer = null;
    if (!document.hidden) timer = setTimeout(refresh, delayMs);
  }

  function backoffMs() {
    return Math.min(intervalMs * Math.pow(2, failures), maxBackoffMs);
  }

  function refresh() {
    timer = null;
    if (inFlight || document.hidden) return;
    inFlight = true;
    fetch(source, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) {
          failures += 1;
          return Math.max(backoffMs(), retryAfterMs(response));
        }
        return response.json().then(function (days) {
          if (!Array.isArray(days)) throw new Error('availability is not a list');
          apply(days);
          failures = 0;
          return Math.max(intervalMs, maxAgeMs(response));
        });
      })
      .catch(function () {
        failures += 1;
        return backoffMs();
      })
      .then(function (delayMs) {
        inFlight = false;
        schedule(delayMs);
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
