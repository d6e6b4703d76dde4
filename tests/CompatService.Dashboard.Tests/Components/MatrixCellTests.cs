using Bunit;
using CompatService.Dashboard.Components;
using CompatService.Dashboard.Tests.Infrastructure;
using CompatService.Dashboard.ViewModels;

namespace CompatService.Dashboard.Tests.Components;

public class MatrixCellTests : DashboardTestContext
{
    [Fact]
    public void FailingCell_IsAButton_WithAccessibleName_Icon_AndTextLabel()
    {
        var cell = CellView.For("p_mixed", "6.1.0-47-amd64", TestData.Fails("2"));
        var cut = Render<MatrixCell>(p => p.Add(x => x.Cell, cell));
        var button = cut.Find("button");
        Assert.Equal("button", button.GetAttribute("type"));
        Assert.Equal("prog p_mixed on kernel 6.1.0-47-amd64: fails, kfunc-missing", button.GetAttribute("aria-label"));
        Assert.Contains("cell-fails", button.ClassList);
        Assert.Equal("fails", cut.Find(".cell-label").TextContent);
        var icon = cut.Find("svg.icon-cross");
        Assert.Equal("true", icon.GetAttribute("aria-hidden"));
    }

    [Fact]
    public void DegradedCell_ShowsDegradedLabelAndHalfIcon()
    {
        var cut = Render<MatrixCell>(p => p.Add(x => x.Cell, CellView.For("p", "k", TestData.Degraded("1"))));
        Assert.Contains("cell-degraded", cut.Find("button").ClassList);
        Assert.Equal("degraded", cut.Find(".cell-label").TextContent);
        Assert.NotNull(cut.Find("svg.icon-half"));
    }

    [Fact]
    public void Click_RaisesOnOpen_WithTheCell()
    {
        CellOpened? opened = null;
        var cell = CellView.For("p", "k", TestData.Loads("1"));
        var cut = Render<MatrixCell>(p => p.Add(x => x.Cell, cell).Add(x => x.OnOpen, (CellOpened c) => opened = c));
        cut.Find("button").Click();
        Assert.Same(cell, opened?.Cell);
        Assert.NotNull(opened?.Refocus);
    }
}
