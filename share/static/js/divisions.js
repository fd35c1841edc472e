// Live province → city → county picker for the personal-information form.
// Without JavaScript the form works step by step through the server; with it
// each select fills the next one from GET /api/v1/divisions.
(function () {
  'use strict';
  var form = document.getElementById('profile-form');
  if (!form || !window.fetch) return;
  var province = document.getElementById('province');
  var city = document.getElementById('city');
  var county = document.getElementById('county');
  var refresh = document.getElementById('destination-refresh');
  if (refresh) refresh.hidden = true;
  document.documentElement.classList.add('js');

  function clear(select) {
    while (select.options.length > 1) select.remove(1);
    select.value = '';
  }

  function fill(select, parent) {
    clear(select);
    if (!parent) return Promise.resolve([]);
    return fetch('/api/v1/divisions?parent=' + encodeURIComponent(parent), { credentials: 'same-origin' })
      .then(function (response) { return response.ok ? response.json() : []; })
      .then(function (divisions) {
        divisions.forEach(function (division) {
          var option = document.createElement('option');
          option.value = division.code;
          option.textContent = division.name;
          select.appendChild(option);
        });
        return divisions;
      });
  }

  province.addEventListener('change', function () {
    clear(county);
    fill(city, province.value);
  });
  city.addEventListener('change', function () {
    fill(county, city.value);
  });
})();
