server.js
