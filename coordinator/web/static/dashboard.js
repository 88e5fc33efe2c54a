// The dashboard's filters: one choice per dimension restricts every table that has that
// dimension, and redraws its chart, its rows and the map together. Figures come only from
// the page's published data; nothing is computed but which rows to show.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var form = document.getElementById("filters");
  var selects = form ? Array.prototype.slice.call(form.querySelectorAll("select")) : [];

  function chosen() {
    var choice = {};
    selects.forEach(function (select) {
      if (select.value !== "") { choice[select.dataset.dimension] = select.value; }
    });
    return choice;
  }

  function matches(keys, choice) {
    return Object.keys(choice).every(function (dimension) {
      return !(dimension in keys) || keys[dimension] === choice[dimension];
    });
  }

  function freeDimensions(table, choice) {
    return table.dimensions.filter(function (dimension) { return !(dimension in choice); });
  }

  function describe(table, rows, free) {
    var parts = rows.map(function (row) {
      var label = free.map(function (d) { return row.keys[d]; }).join(", ") || "All";
      return label + ": " + row.text;
    });
    return "Chart of " + table.title + ". " + parts.join("; ") + ".";
  }

  function traces(table, rows, free) {
    var hidden = function (row) { return row.value === null ? row.text : ""; };
    // Two free dimensions: one heatmap trace (a trace per group would cost a redraw each).
    if (free.length === 2) {
      var xs = [], ys = [];
      rows.forEach(function (row) {
        if (xs.indexOf(row.keys[free[1]]) < 0) { xs.push(row.keys[free[1]]); }
        if (ys.indexOf(row.keys[free[0]]) < 0) { ys.push(row.keys[free[0]]); }
      });
      var z = ys.map(function (y) { return xs.map(function (x) {
        var row = rows.find(function (r) { return r.keys[free[0]] === y && r.keys[free[1]] === x; });
        return row ? row.value : null; }); });
      var text = ys.map(function (y) { return xs.map(function (x) {
        var row = rows.find(function (r) { return r.keys[free[0]] === y && r.keys[free[1]] === x; });
        return row ? row.text : ""; }); });
      return [{type: "heatmap", x: xs, y: ys, z: z, text: text, texttemplate: "%{text}",
               hovertemplate: "%{y} and %{x}: %{text}<extra></extra>", colorscale: "Cividis",
               reversescale: true, showscale: false}];
    }
    var groups = free.length >= 2 ? free[1] : null;
    var names = [];
    rows.forEach(function (row) {
      var name = groups ? row.keys[groups] : table.measureLabel;
      if (names.indexOf(name) < 0) { names.push(name); }
    });
    return names.map(function (name, index) {
      var own = rows.filter(function (row) { return !groups || row.keys[groups] === name; });
      return {
        type: "bar", name: name, marker: {color: data.colours[index % data.colours.length]},
        x: own.map(function (row) { return free.length ? row.keys[free[0]] : "All"; }),
        y: own.map(function (row) { return row.value; }),
        text: own.map(function (row) { return row.text; }), textposition: "outside",
        hovertemplate: "%{x}: %{text}<extra>" + name + "</extra>",
        customdata: own.map(hidden)
      };
    });
  }

  function drawChart(table, choice) {
    var element = document.getElementById("chart-" + table.id);
    if (!element) { return; }
    var rows = table.rows.filter(function (row) { return matches(row.keys, choice); });
    var free = freeDimensions(table, choice);
    var layout = {
      margin: {l: 56, r: 16, t: 16, b: 72}, height: 320, barmode: "group",
      showlegend: false,
      legend: {orientation: "h", y: -0.3}, font: {family: "system-ui, sans-serif", size: 14},
      xaxis: {type: "category", automargin: true,
              title: {text: free.length ? table.dimensionLabels[free[0]] : ""}},
      yaxis: {title: {text: table.measureLabel}, rangemode: "tozero", automargin: true},
      paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"
    };
    window.Plotly.react(element, traces(table, rows, free), layout,
                        {displayModeBar: false, responsive: true});
    element.setAttribute("aria-label", describe(table, rows, free));
  }

  function updateTable(table, choice) {
    var element = document.getElementById("table-" + table.id);
    if (!element) { return 0; }
    var shown = 0;
    element.querySelectorAll("tbody tr").forEach(function (row) {
      var visible = matches(JSON.parse(row.dataset.keys), choice);
      row.hidden = !visible;
      if (visible) { shown += 1; }
    });
    var note = document.querySelector('[data-filter-note="' + table.id + '"]');
    var ignored = Object.keys(choice).filter(function (d) { return table.dimensions.indexOf(d) < 0; });
    if (note) {
      note.hidden = ignored.length === 0;
      note.textContent = ignored.length ? "This table is not broken down by your choice of " +
        ignored.map(function (d) { return document.querySelector('label[for="filter-' + d + '"]').textContent; })
          .join(" or ") + ": it shows everyone." : "";
    }
    return shown;
  }

  function mapTable(choice) {
    if (!data.map) { return null; }
    var place = data.map.dimension;
    var fitting = data.tables.filter(function (table) {
      return table.dimensions.indexOf(place) >= 0 && table.dimensions.every(function (d) {
        return d === place || d in choice; });
    });
    // The most specific table the choice allows: by program and ZIP once a program is chosen.
    fitting.sort(function (a, b) { return b.dimensions.length - a.dimensions.length; });
    return fitting[0] || null;
  }

  function drawMap(choice) {
    var table = mapTable(choice);
    var svg = document.querySelector("svg.map");
    if (!svg || !table) { return; }
    var place = data.map.dimension;
    var byArea = {};
    table.rows.filter(function (row) {
      var others = Object.assign({}, choice); delete others[place];
      return matches(row.keys, others);
    }).forEach(function (row) { byArea[row.keys[place]] = row; });
    svg.querySelectorAll("path.area").forEach(function (path) {
      var row = byArea[path.dataset.key];
      path.setAttribute("fill", row && row.colour ? row.colour : "url(#hatch)");
      path.classList.toggle("selected", choice[place] === path.dataset.key);
      var title = path.querySelector("title");
      title.textContent = title.textContent.split(":")[0] + ": " + (row ? row.text : "no figure");
    });
    svg.querySelector("title").textContent = table.title;
    var legend = document.querySelectorAll(".map-figure .legend li");
    (data.map.legends[table.id] || []).forEach(function (text, index) {
      if (legend[index]) { legend[index].lastChild.textContent = text; }
    });
  }

  function update() {
    var choice = chosen();
    var shownTables = 0;
    data.tables.forEach(function (table) {
      drawChart(table, choice);
      if (updateTable(table, choice) > 0) { shownTables += 1; }
    });
    drawMap(choice);
    var status = document.getElementById("filter-status");
    if (status) {
      var parts = Object.keys(choice).map(function (d) { return choice[d]; });
      status.textContent = parts.length ? "Showing " + parts.join(", ") + "." : "Showing everything.";
    }
  }

  if (form) {
    form.addEventListener("change", update);
    form.addEventListener("reset", function () { window.setTimeout(update, 0); });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
  }
  document.querySelectorAll("svg.map path.area").forEach(function (path) {
    path.addEventListener("click", function () {
      var select = document.querySelector('select[data-dimension="' + data.map.dimension + '"]');
      if (select) { select.value = select.value === path.dataset.key ? "" : path.dataset.key; update(); }
    });
  });
  update();
  document.body.dataset.dashboardReady = "true";
}());
