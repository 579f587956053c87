// The roster import page: send the chosen file to the JSON API with this session's CSRF token,
// show the counts and every rejected row, and offer the rejected rows as an .xlsx to fix.
(function () {
  "use strict";
  var box = document.getElementById("import");
  if (!box) { return; }
  var file = document.getElementById("roster-file");
  var status = document.getElementById("import-status");
  var table = document.getElementById("import-errors");
  var reportButton = document.getElementById("import-report");

  function send(path) {
    return fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": box.dataset.csrf },
      body: file.files[0]
    });
  }

  function show(report) {
    status.textContent = box.dataset.result
      .replace("{i}", report.imported).replace("{m}", report.matched).replace("{r}", report.rejected);
    var body = table.querySelector("tbody");
    body.textContent = "";
    report.errors.forEach(function (error) {
      var row = body.insertRow();
      [error.row, error.column, error.message].forEach(function (text) { row.insertCell().textContent = text; });
    });
    table.hidden = report.errors.length === 0;
    reportButton.hidden = report.errors.length === 0;
  }

  document.getElementById("import-run").addEventListener("click", function () {
    if (!file.files.length) { return; }
    status.textContent = box.dataset.working;
    send("/api/v1/imports/volunteers").then(function (response) {
      return response.json().then(function (body) {
        if (response.ok) { show(body); } else { status.textContent = body.error.message; }
      });
    });
  });

  reportButton.addEventListener("click", function () {
    send("/api/v1/imports/volunteers/error-report").then(function (response) { return response.blob(); }).then(function (blob) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = "roster-errors.xlsx";
      link.id = "report-download";
      document.body.appendChild(link);
      link.click();
    });
  });
})();
