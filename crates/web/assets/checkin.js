// The check-in confirm page of an activity with a point on the map: with the volunteer's consent
// (the box), the phone's position fills the form; only the distance to the activity is kept.
// Without it the check-in is refused where the activity has a geofence, and flagged elsewhere.
(function () {
  "use strict";
  var consent = document.getElementById("location-consent");
  if (!consent || !navigator.geolocation) { return; }
  var form = consent.form;
  var status = document.getElementById("location-status");
  consent.addEventListener("change", function () {
    if (!consent.checked) { form.elements.latitude.value = ""; form.elements.longitude.value = ""; return; }
    status.textContent = status.dataset.working;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude;
      form.elements.longitude.value = position.coords.longitude;
      status.textContent = status.dataset.done;
    }, function () {
      status.textContent = status.dataset.failed;
    }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
