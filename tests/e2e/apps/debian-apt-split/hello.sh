#!/bin/sh
echo "Welcome to the dfix apt sample." | jq -R .
