import http from "http";
import ms from "ms";

const port = Number(process.env.PORT ?? 3000);

// Answers with something only the production dependency can compute.
const server = http.createServer((_req, res) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify({ app: "split-node-tsc", day: ms("1d") }) + "\n");
});

server.listen(port, () => console.log(`listening on ${port}`));
