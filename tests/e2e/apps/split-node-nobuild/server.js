// A Node app with no build step: the image ships this file as it is.
const http = require("http");
const ms = require("ms");

const port = Number(process.env.PORT || 3000);
http.createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ app: "split-node-nobuild", day: ms("1d") }));
}).listen(port, () => console.log(`listening on ${port}`));
