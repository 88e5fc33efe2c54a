// The dashboard's filters and charts. One choice per dimension restricts every table that has
// that dimension, and redraws its chart, its rows and the map together. Figures are read from
// the tables' own markup (rendered by the server); nothing is computed but which rows to show.
// Charts are drawn when they come near the screen, and the others while the browser is idle,
// so the first screen is ready without waiting for every chart; a chart is never shown stale.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var form = document.getElementById("filters");
  var selects = form ? Array.prototype.slice.call(form.querySelectorAll("select")) : [];
  var byId = {};
  var stale = {};      // table id -> its chart does not show the current choice yet
  var near = {};       // table id -> its chart is on or near the screen
  var choice = {};
  var LABELLED_CELLS = 150;

  function readRows(table) {
    var element = document.getElementById("table-" + table.id);
    if (!element) { return []; }
    return Array.prototype.map.call(element.tBodies[0].rows, function (tr) {
      var cell = tr.querySelector('td[data-measure="' + table.measure + '"]');
      return {element: tr, keys: JSON.parse(tr.dataset.keys),
              value: cell && cell.dataset.value !== undefined ? Number(cell.dataset.value) : null,
              text: cell ? cell.textContent : "", colour: tr.dataset.colour || null};
    });
  }

  data.tables.forEach(function (table) {
    table.rows = readRows(table);
    byId[table.id] = table;
  });

  function chosen() {
    var found = {};
    selects.forEach(function (select) {
      if (select.value !== "") { found[select.dataset.dimension] = select.value; }
    });
    return found;
  }

  function matches(keys, wanted) {
    return Object.keys(wanted).every(function (dimension) {
      return !(dimension in keys) || keys[dimension] === wanted[dimension];
    });
  }

  function freeDimensions(table) {
    return table.dimensions.filter(function (dimension) { return !(dimension in choice); });
  }

  function describe(table, rows, free) {
    var parts = rows.map(function (row) {
      var label = free.map(function (d) { return row.keys[d]; }).join(", ") || "All";
      return label + ": " + row.text;
    });
    return "Chart of " + table.title + ". " + parts.join("; ") + ".";
  }

  function heatmap(rows, free) {
    var xs = [], ys = [], cells = {};
    rows.forEach(function (row) {
      var x = row.keys[free[1]], y = row.keys[free[0]];
      if (xs.indexOf(x) < 0) { xs.push(x); }
      if (ys.indexOf(y) < 0) { ys.push(y); }
      cells[y + "\u0000" + x] = row;
    });
    function grid(field, empty) {
      return ys.map(function (y) { return xs.map(function (x) {
        var row = cells[y + "\u0000" + x];
        return row ? row[field] : empty; }); });
    }
    // Figures inside the cells while they stay legible and cheap to draw; the table beside
    // the chart and the chart's text alternative hold every figure either way.
    var labelled = xs.length * ys.length <= LABELLED_CELLS;
    return [{type: "heatmap", x: xs, y: ys, z: grid("value", null), text: grid("text", ""),
             texttemplate: labelled ? "%{text}" : "", hovertemplate: "%{y} and %{x}: %{text}<extra></extra>",
             colorscale: "Cividis", reversescale: true, showscale: false}];
  }

  function traces(table, rows, free) {
    // Two free dimensions: one heatmap trace (a trace per group would cost a redraw each).
    if (free.length === 2) { return heatmap(rows, free); }
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
        hovertemplate: "%{x}: %{text}<extra>" + name + "</extra>"
      };
    });
  }

  function drawChart(table) {
    var element = document.getElementById("chart-" + table.id);
    if (!window.Plotly) { return; }  // drawn once the chart library has loaded
    stale[table.id] = false;
    if (!element) { return; }
    var rows = table.rows.filter(function (row) { return matches(row.keys, choice); });
    var free = freeDimensions(table);
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
    element.dataset.drawn = JSON.stringify(choice);
  }

  var idleScheduled = false;
  // Idle time, but at most half a second away: a busy page still gets every chart.
  function whenIdle(callback) {
    if (window.requestIdleCallback) { return window.requestIdleCallback(callback, {timeout: 500}); }
    return window.setTimeout(callback, 50);
  }

  function drawStaleWhenIdle() {
    if (idleScheduled || !window.Plotly) { return; }
    idleScheduled = true;
    whenIdle(function () {
      idleScheduled = false;
      var next = data.tables.find(function (table) { return stale[table.id]; });
      if (next) {
        drawChart(next);
        drawStaleWhenIdle();
      } else {
        if (document.body.dataset.chartsDrawn !== "true") {
          document.body.dataset.chartsDrawn = "true";
          if (!performance.getEntriesByName("dashboard-charts-drawn").length) {
            performance.mark("dashboard-charts-drawn");
          }
        }
      }
    });
  }

  function updateTable(table) {
    var shown = 0;
    table.rows.forEach(function (row) {
      var visible = matches(row.keys, choice);
      row.element.hidden = !visible;
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

  function mapTable() {
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

  function drawMap() {
    var table = mapTable();
    var svg = document.querySelector("svg.map");
    if (!svg || !table) { return; }
    var place = data.map.dimension;
    var others = Object.assign({}, choice);
    delete others[place];
    var byArea = {};
    table.rows.filter(function (row) { return matches(row.keys, others); })
      .forEach(function (row) { byArea[row.keys[place]] = row; });
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
    choice = chosen();
    document.body.dataset.chartsDrawn = "false";
    data.tables.forEach(function (table) {
      updateTable(table);
      stale[table.id] = true;
      if (near[table.id]) { drawChart(table); }
    });
    drawMap();
    drawStaleWhenIdle();
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

  // The first screen needs no chart library: headlines, tables, map and filters are ready
  // before it loads; its script is fetched only then, and the charts follow.
  var charts = Array.prototype.slice.call(document.querySelectorAll(".chart[data-table]"));
  data.tables.forEach(function (table) { stale[table.id] = true; });
  choice = chosen();
  data.tables.forEach(updateTable);
  drawMap();
  document.body.dataset.dashboardReady = "true";
  performance.mark("dashboard-ready");

  function chartsOnScreen() {
    document.body.dataset.chartsOnScreen = "true";
    performance.mark("dashboard-charts-on-screen");
    drawStaleWhenIdle();
  }

  function startCharts() {
    if (!("IntersectionObserver" in window) || !charts.length) {
      charts.forEach(function (element) { near[element.dataset.table] = true; });
      data.tables.forEach(drawChart);
      chartsOnScreen();
      return;
    }
    var first = true;
    var observer = new window.IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var id = entry.target.dataset.table;
        near[id] = entry.isIntersecting;
        if (entry.isIntersecting && stale[id] && byId[id]) { drawChart(byId[id]); }
      });
      if (first) { first = false; chartsOnScreen(); }
    }, {rootMargin: "400px 0px"});
    charts.forEach(function (element) { observer.observe(element); });
  }

  if (!charts.length) {
    document.body.dataset.chartsDrawn = "true";
    return;
  }
  window.requestAnimationFrame(function () {
    window.setTimeout(function () {
      var script = document.createElement("script");
      script.src = data.chartLibrary;
      script.addEventListener("load", startCharts);
      document.head.appendChild(script);
    }, 0);
  });
}());
