// The backfill form of an activity's page: the evidence file goes to the JSON API as the body,
// the other fields in the query, with this session's CSRF token; the page reloads on success.
(function () {
  "use strict";
  var form = document.getElementById("backfill-form");
  if (!form) { return; }
  var status = document.getElementById("backfill-status");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var file = form.elements.evidence.files[0];
    var query = new URLSearchParams({
      activity_id: form.dataset.activity,
      volunteer_code: form.elements.volunteer_code.value.trim(),
      minutes: form.elements.minutes.value.trim() || "0",
      reason: form.elements.reason.value,
      file_name: file ? file.name : ""
    });
    fetch("/api/v1/records/backfill?" + query.toString(), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": form.dataset.csrf },
      body: file || new Blob([])
    }).then(function (response) {
      if (response.ok) { window.location.reload(); return; }
      return response.json().then(function (body) { status.textContent = body.error.message; });
    });
  });
})();
