"""Currency exchange: conversion quotes at the official rate and the FX deals agreed on them."""
