// Starts GraphiQL on this server's endpoint, from the files the binary
// embeds: no script comes from anywhere else. A token kept by the explorer
// in this tab (sessionStorage) is sent with every request.
(function () {
  "use strict";
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/graphql/ws";
  var token = sessionStorage.getItem("strata-token");
  var headers = token ? { Authorization: "Bearer " + token } : {};
  var fetcher = GraphiQL.createFetcher({
    url: "/graphql",
    subscriptionUrl: wsUrl,
    headers: headers,
    wsConnectionParams: token ? { Authorization: "Bearer " + token } : undefined,
  });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      defaultQuery: "# strata: ask the graph at any asOf (valid time) and knownAt (recorded time).\n" +
        "{\n  stats { events entities relations lastRecordedAt }\n}\n",
    })
  );
})();
