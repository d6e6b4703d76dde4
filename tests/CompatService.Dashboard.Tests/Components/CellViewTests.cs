using CompatService.Contracts;
using CompatService.Dashboard.Tests.Infrastructure;
using CompatService.Dashboard.ViewModels;
using ReasonCodes = CompatService.Engine.Analysis.ReasonCodes;

namespace CompatService.Dashboard.Tests.Components;

/// <summary>The matrix cell rules: verdict → label, icon, class; weak-degraded; accessible name.</summary>
public class CellViewTests
{
    [Theory]
    [InlineData(Verdict.Loads, CellState.Loads, "loads", "check", "cell-loads")]
    [InlineData(Verdict.Fails, CellState.Fails, "fails", "cross", "cell-fails")]
    [InlineData(Verdict.Unknown, CellState.Unknown, "unknown", "question", "cell-unknown")]
    public void Verdict_MapsTo_LabelIconAndClass(Verdict verdict, CellState state, string label, string icon, string css)
    {
        var cell = CellView.For("p", "k", new ProgramResult("1", verdict, [], [], []));
        Assert.Equal(state, cell.State);
        Assert.Equal(label, cell.Label);
        Assert.Equal(icon, cell.Icon);
        Assert.Equal(css, cell.CssClass);
    }

    [Fact]
    public void LoadsWithDisabledWeakPath_IsDegraded_NotClean()
    {
        var cell = CellView.For("p", "k", TestData.Degraded("1"));
        Assert.Equal(CellState.LoadsDegraded, cell.State);
        Assert.Equal("loads, degraded", cell.Label);
        Assert.Equal("half", cell.Icon);
        Assert.Equal("cell-degraded", cell.CssClass);
        Assert.NotEqual(CellView.For("p", "k", TestData.Loads("1")).CssClass, cell.CssClass);
    }

    [Fact]
    public void LoadsWithOnlyWeakDisabledReason_IsDegraded()
    {
        var r = new ProgramResult("1", Verdict.Loads, [new Reason(ReasonCodes.WeakKfuncDisabled, "x", 3, "m")], [], []);
        Assert.Equal(CellState.LoadsDegraded, CellView.StateOf(r));
    }

    [Fact]
    public void MissingResult_IsNotComputed_WithItsOwnLabelAndIcon()
    {
        var cell = CellView.For("p", "k", null);
        Assert.Equal(CellState.NotComputed, cell.State);
        Assert.Equal("not computed", cell.Label);
        Assert.Equal("clock", cell.Icon);
    }

    [Fact]
    public void AccessibleName_SaysProgramKernelVerdictAndReasonCodes()
    {
        var cell = CellView.For("xdp_main", "6.1.0-47-amd64", TestData.Fails("2"));
        Assert.Equal("prog xdp_main on kernel 6.1.0-47-amd64: fails, kfunc-missing", cell.AccessibleName);
        Assert.Equal("prog xdp_main on kernel 6.1.0-47-amd64: loads", CellView.For("xdp_main", "6.1.0-47-amd64", TestData.Loads("2")).AccessibleName);
    }

    [Fact]
    public void AccessibleName_OfAnUnnamedKernel_IsItsName_WhateverTheReleaseLooksLike()
    {
        var unnamed = CellView.For("p", "unnamed kernel 382c4b…", TestData.Loads("2")) with { KernelIsNamed = false };
        Assert.Equal("prog p on unnamed kernel 382c4b…: loads", unnamed.AccessibleName);
        // the cell says whether its kernel is named; the name's spelling decides nothing
        Assert.Equal("prog p on kernel unnamed-custom: loads", CellView.For("p", "unnamed-custom", TestData.Loads("2")).AccessibleName);
    }

    [Fact]
    public void EveryState_HasDistinctLabelIconAndClass()
    {
        var states = Enum.GetValues<CellState>().Select(s => (Label: CellView.LabelOf(s), Icon: CellView.IconOf(s), CssClass: CellView.CssClassOf(s))).ToList();
        Assert.Equal(states.Count, states.Select(s => s.Label).Distinct().Count());
        Assert.Equal(states.Count, states.Select(s => s.Icon).Distinct().Count());
        Assert.Equal(states.Count, states.Select(s => s.CssClass).Distinct().Count());
    }
}
